/// A set of bytes, 256 bits.
struct ByteSet: Hashable, Sendable {
  private var words: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)

  static let all: ByteSet = {
    var set = ByteSet()
    for byte in 0...255 { set.insert(UInt8(byte)) }
    return set
  }()

  init() {}

  init(_ bytes: some Sequence<UInt8>) {
    for byte in bytes { insert(byte) }
  }

  init(_ range: ClosedRange<UInt8>) {
    for byte in range { insert(byte) }
  }

  func contains(_ byte: UInt8) -> Bool {
    let bit = UInt64(1) << UInt64(byte & 63)
    switch byte >> 6 {
    case 0: return words.0 & bit != 0
    case 1: return words.1 & bit != 0
    case 2: return words.2 & bit != 0
    default: return words.3 & bit != 0
    }
  }

  mutating func insert(_ byte: UInt8) {
    let bit = UInt64(1) << UInt64(byte & 63)
    switch byte >> 6 {
    case 0: words.0 |= bit
    case 1: words.1 |= bit
    case 2: words.2 |= bit
    default: words.3 |= bit
    }
  }

  mutating func formUnion(_ other: ByteSet) {
    words = (words.0 | other.words.0, words.1 | other.words.1, words.2 | other.words.2, words.3 | other.words.3)
  }

  var inverted: ByteSet {
    var set = ByteSet()
    set.words = (~words.0, ~words.1, ~words.2, ~words.3)
    return set
  }

  static func == (lhs: ByteSet, rhs: ByteSet) -> Bool {
    lhs.words.0 == rhs.words.0 && lhs.words.1 == rhs.words.1 && lhs.words.2 == rhs.words.2
      && lhs.words.3 == rhs.words.3
  }

  func hash(into hasher: inout Hasher) {
    hasher.combine(words.0)
    hasher.combine(words.1)
    hasher.combine(words.2)
    hasher.combine(words.3)
  }

  /// Bytes of "word" characters as GNU regex takes them: letters, digits, underscore.
  static let word = ByteSet(UInt8(ascii: "a")...UInt8(ascii: "z")).union(UInt8(ascii: "A")...UInt8(ascii: "Z"))
    .union(UInt8(ascii: "0")...UInt8(ascii: "9")).union(UInt8(ascii: "_")...UInt8(ascii: "_"))
  /// Blank bytes: space, tab, newline, vertical tab, form feed, carriage return.
  static let space = ByteSet([0x20, 0x09, 0x0A, 0x0B, 0x0C, 0x0D])

  func union(_ range: ClosedRange<UInt8>) -> ByteSet {
    var set = self
    set.formUnion(ByteSet(range))
    return set
  }
}
