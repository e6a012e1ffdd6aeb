/// What an expression is made of, before it is compiled.
indirect enum PatternNode {
  case empty
  case bytes(ByteSet)
  case assertion(PatternAssertion)
  case concatenation([PatternNode])
  case alternation([PatternNode])
  case repetition(PatternNode, minimum: Int, maximum: Int?)
}

/// A zero-width condition on the position.
enum PatternAssertion: Sendable {
  case lineStart, lineEnd, wordBoundary, notWordBoundary, wordStart, wordEnd
}

/// Why an expression is refused.
struct PatternError: Error {
  let reason: String
}

/// Parses POSIX extended regular expressions (ERE) over bytes.
struct PatternParser {
  private let text: [UInt8]
  private var index = 0

  init(_ text: [UInt8]) { self.text = text }

  mutating func parse() throws(PatternError) -> PatternNode {
    let node = try alternation()
    guard index == text.count else { throw PatternError(reason: "unmatched ) at offset \(index)") }
    return node
  }

  private var next: UInt8? { index < text.count ? text[index] : nil }

  private mutating func alternation() throws(PatternError) -> PatternNode {
    var branches = [try concatenation()]
    while next == UInt8(ascii: "|") {
      index += 1
      branches.append(try concatenation())
    }
    return branches.count == 1 ? branches[0] : .alternation(branches)
  }

  private mutating func concatenation() throws(PatternError) -> PatternNode {
    var pieces: [PatternNode] = []
    while let byte = next, byte != UInt8(ascii: "|"), byte != UInt8(ascii: ")") {
      pieces.append(try piece())
    }
    return pieces.isEmpty ? .empty : pieces.count == 1 ? pieces[0] : .concatenation(pieces)
  }

  private mutating func piece() throws(PatternError) -> PatternNode {
    if let byte = next, [UInt8(ascii: "*"), UInt8(ascii: "+"), UInt8(ascii: "?")].contains(byte) {
      throw PatternError(reason: "nothing to repeat before \(Character(Unicode.Scalar(byte)))")
    }
    var node = try atom()
    while let byte = next {
      switch byte {
      case UInt8(ascii: "*"): node = .repetition(node, minimum: 0, maximum: nil)
      case UInt8(ascii: "+"): node = .repetition(node, minimum: 1, maximum: nil)
      case UInt8(ascii: "?"): node = .repetition(node, minimum: 0, maximum: 1)
      case UInt8(ascii: "{") where index + 1 < text.count && isDigit(text[index + 1]):
        index += 1
        let (minimum, maximum) = try interval()
        node = .repetition(node, minimum: minimum, maximum: maximum)
        continue
      default: return node
      }
      index += 1
    }
    return node
  }

  /// `m}`, `m,}` or `m,n}` after `{`.
  private mutating func interval() throws(PatternError) -> (Int, Int?) {
    let minimum = try number()
    var maximum: Int? = minimum
    if next == UInt8(ascii: ",") {
      index += 1
      maximum = next.map(isDigit) == true ? try number() : nil
    }
    guard next == UInt8(ascii: "}") else { throw PatternError(reason: "unfinished {m,n} interval") }
    index += 1
    if let maximum, maximum < minimum { throw PatternError(reason: "interval {\(minimum),\(maximum)} runs backwards") }
    return (minimum, maximum)
  }

  private mutating func number() throws(PatternError) -> Int {
    var value = 0
    while let byte = next, isDigit(byte) {
      value = value * 10 + Int(byte - UInt8(ascii: "0"))
      guard value <= LinearPattern.maximumRepetition else {
        throw PatternError(reason: "a repetition count over \(LinearPattern.maximumRepetition)")
      }
      index += 1
    }
    return value
  }

  private func isDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }

  private mutating func atom() throws(PatternError) -> PatternNode {
    let byte = text[index]
    index += 1
    switch byte {
    case UInt8(ascii: "("):
      let inner = try alternation()
      guard next == UInt8(ascii: ")") else { throw PatternError(reason: "unmatched (") }
      index += 1
      return inner
    case UInt8(ascii: "."): return .bytes(ByteSet.all)
    case UInt8(ascii: "^"): return .assertion(.lineStart)
    case UInt8(ascii: "$"): return .assertion(.lineEnd)
    case UInt8(ascii: "["): return .bytes(try bracket())
    case UInt8(ascii: "\\"): return try escape()
    default: return .bytes(ByteSet([byte]))
    }
  }

  private mutating func escape() throws(PatternError) -> PatternNode {
    guard let byte = next else { throw PatternError(reason: "a trailing backslash") }
    index += 1
    switch byte {
    case UInt8(ascii: "1")...UInt8(ascii: "9"):
      throw PatternError(
        reason: "back-references (\\\(Character(Unicode.Scalar(byte)))) cannot be matched in linear time")
    case UInt8(ascii: "w"): return .bytes(ByteSet.word)
    case UInt8(ascii: "W"): return .bytes(ByteSet.word.inverted)
    case UInt8(ascii: "s"): return .bytes(ByteSet.space)
    case UInt8(ascii: "S"): return .bytes(ByteSet.space.inverted)
    case UInt8(ascii: "b"): return .assertion(.wordBoundary)
    case UInt8(ascii: "B"): return .assertion(.notWordBoundary)
    case UInt8(ascii: "<"): return .assertion(.wordStart)
    case UInt8(ascii: ">"): return .assertion(.wordEnd)
    case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0"):
      throw PatternError(
        reason: "\\\(Character(Unicode.Scalar(byte))) has no meaning here (write a bracket expression such as [0-9])")
    default: return .bytes(ByteSet([byte]))
    }
  }

  /// A bracket expression after `[`: `[^…]`, ranges, `[:class:]`.
  private mutating func bracket() throws(PatternError) -> ByteSet {
    var set = ByteSet()
    let negated = next == UInt8(ascii: "^")
    if negated { index += 1 }
    var first = true
    while true {
      guard let byte = next else { throw PatternError(reason: "unmatched [") }
      if byte == UInt8(ascii: "]") && !first { break }
      first = false
      index += 1
      if byte == UInt8(ascii: "["), let kind = next,
        [UInt8(ascii: ":"), UInt8(ascii: "="), UInt8(ascii: ".")].contains(kind)
      {
        set.formUnion(try namedClass(kind))
      } else if next == UInt8(ascii: "-"), index + 1 < text.count, text[index + 1] != UInt8(ascii: "]") {
        let last = text[index + 1]
        guard last >= byte else { throw PatternError(reason: "a range that runs backwards") }
        set.formUnion(ByteSet(byte...last))
        index += 2
      } else {
        set.insert(byte)
      }
    }
    index += 1
    return negated ? set.inverted : set
  }

  /// `[:name:]` after `[`; equivalence classes and collating symbols are refused.
  private mutating func namedClass(_ kind: UInt8) throws(PatternError) -> ByteSet {
    guard kind == UInt8(ascii: ":") else { throw PatternError(reason: "[= =] and [. .] are not supported") }
    index += 1
    let start = index
    while index + 1 < text.count, !(text[index] == UInt8(ascii: ":") && text[index + 1] == UInt8(ascii: "]")) {
      index += 1
    }
    guard index + 1 < text.count else { throw PatternError(reason: "unfinished [:class:]") }
    let name = String(decoding: text[start..<index], as: UTF8.self)
    index += 2
    guard let set = PatternClasses.named[name] else { throw PatternError(reason: "no character class [:\(name):]") }
    return set
  }
}

/// The POSIX character classes in the C locale.
enum PatternClasses {
  static let named: [String: ByteSet] = {
    let upper = ByteSet(UInt8(ascii: "A")...UInt8(ascii: "Z"))
    let lower = ByteSet(UInt8(ascii: "a")...UInt8(ascii: "z"))
    let digit = ByteSet(UInt8(ascii: "0")...UInt8(ascii: "9"))
    var alpha = upper
    alpha.formUnion(lower)
    var alnum = alpha
    alnum.formUnion(digit)
    let print = ByteSet(0x20...0x7E)
    let graph = ByteSet(0x21...0x7E)
    let punct = ByteSet((0x21...0x7E).map { UInt8($0) }.filter { !alnum.contains($0) })
    var xdigit = digit
    xdigit.formUnion(ByteSet(UInt8(ascii: "a")...UInt8(ascii: "f")))
    xdigit.formUnion(ByteSet(UInt8(ascii: "A")...UInt8(ascii: "F")))
    var cntrl = ByteSet(0x00...0x1F)
    cntrl.insert(0x7F)
    return [
      "upper": upper, "lower": lower, "digit": digit, "alpha": alpha, "alnum": alnum, "print": print,
      "graph": graph, "punct": punct, "xdigit": xdigit, "cntrl": cntrl, "space": ByteSet.space,
      "blank": ByteSet([0x20, 0x09]),
    ]
  }()
}
