/// A JSON text read lazily: the extent of a value, the members of an
/// object and the items of an array as byte ranges, without building the
/// values. Comparing two texts this way skips every subtree whose bytes are
/// equal, and builds values only where they differ.
public struct JSONSkim: Sendable {
  public let bytes: [UInt8]
  /// The deepest nesting walked, as the parser's.
  public static let maximumDepth = JSONParser.maximumDepth
  /// Where each object and array ends (exclusive), by where it starts:
  /// found in one pass, so a container's extent is known without reading
  /// it again at every level of a walk down to a change.
  let containerEnds: [Int: Int]

  public init(_ bytes: [UInt8]) {
    self.bytes = bytes
    var state = PairingState()
    var ends: [Int: Int] = [:]
    Self.pair(bytes, 0..<bytes.count, &state, &ends)
    containerEnds = ends
  }

  /// The old and new texts of one comparison, `common` their shared ends:
  /// the new text's brackets are paired only between them, the rest taken
  /// from the old text's (the same bytes pair the same way).
  public static func pair(old: [UInt8], new: [UInt8], common: CommonEnds) -> (old: JSONSkim, new: JSONSkim) {
    var state = PairingState()
    var oldEnds: [Int: Int] = [:]
    oldEnds.reserveCapacity(old.count / 64)
    let suffixStart = old.count - common.suffix
    pair(old, 0..<common.prefix, &state, &oldEnds)
    let atPrefix = state
    pair(old, common.prefix..<suffixStart, &state, &oldEnds)
    let atSuffix = state
    pair(old, suffixStart..<old.count, &state, &oldEnds)

    var newEnds = oldEnds.filter { $0.value <= common.prefix }
    var newState = atPrefix
    let newSuffixStart = new.count - common.suffix
    pair(new, common.prefix..<newSuffixStart, &newState, &newEnds)
    if newState.inString == atSuffix.inString && newState.escaped == atSuffix.escaped
      && newState.open.count == atSuffix.open.count
    {
      // The shared end pairs its brackets as in the old text: with those
      // still open at its start, position for position.
      let openAt = Dictionary(zip(atSuffix.open, newState.open), uniquingKeysWith: { first, _ in first })
      for (start, end) in oldEnds where end > suffixStart {
        if start >= suffixStart {
          newEnds[start + common.shift] = end + common.shift
        } else if let newStart = openAt[start] {
          newEnds[newStart] = end + common.shift
        }
      }
    } else {
      pair(new, newSuffixStart..<new.count, &newState, &newEnds)
    }
    return (JSONSkim(bytes: old, ends: oldEnds), JSONSkim(bytes: new, ends: newEnds))
  }

  private init(bytes: [UInt8], ends: [Int: Int]) {
    self.bytes = bytes
    containerEnds = ends
  }

  /// Where pairing stands at a point of the text: the brackets still open,
  /// and whether it is inside a string (just after a backslash).
  struct PairingState {
    var open: [Int] = []
    var inString = false
    var escaped = false
  }

  /// Pairs each `{`/`[` outside strings in `range` with its closing bracket,
  /// going on from `state`. Unbalanced text pairs what it can; the walk then
  /// finds the rest malformed.
  private static func pair(_ text: [UInt8], _ range: Range<Int>, _ state: inout PairingState, _ ends: inout [Int: Int])
  {
    text.withUnsafeBufferPointer { bytes in
      var index = range.lowerBound
      let end = range.upperBound
      let raw = UnsafeRawBufferPointer(bytes)
      while index < end {
        if state.inString {
          while index < end {
            if state.escaped {
              state.escaped = false
              index += 1
              continue
            }
            // Eight bytes at a time while none is a quote or a backslash.
            if index + 8 <= end,
              !Self.holdsQuoteOrBackslash(raw.loadUnaligned(fromByteOffset: index, as: UInt64.self))
            {
              index += 8
              continue
            }
            let byte = bytes[index]
            index += 1
            if byte == UInt8(ascii: "\\") {
              state.escaped = true
            } else if byte == UInt8(ascii: "\"") {
              state.inString = false
              break
            }
          }
          continue
        }
        switch bytes[index] {
        case UInt8(ascii: "\""): state.inString = true
        case UInt8(ascii: "{"), UInt8(ascii: "["): state.open.append(index)
        case UInt8(ascii: "}"), UInt8(ascii: "]"):
          if let start = state.open.popLast() { ends[start] = index + 1 }
        default: break
        }
        index += 1
      }
    }
  }

  /// Whether one of the eight bytes of `word` is `"` or `\\`.
  @inline(__always)
  static func holdsQuoteOrBackslash(_ word: UInt64) -> Bool {
    let ones: UInt64 = 0x0101_0101_0101_0101
    let highs: UInt64 = 0x8080_8080_8080_8080
    func zeroByte(_ x: UInt64) -> UInt64 { (x &- ones) & ~x & highs }
    return zeroByte(word ^ (ones &* 0x22)) | zeroByte(word ^ (ones &* 0x5C)) != 0
  }

  /// The whole text's value, or nil when the text is not one JSON value.
  public var root: Range<Int>? {
    var start = whitespaceEnd(from: 0)
    if bytes[start...].starts(with: [0xEF, 0xBB, 0xBF]) { start = whitespaceEnd(from: start + 3) }
    guard let end = valueEnd(from: start), whitespaceEnd(from: end) == bytes.count else { return nil }
    return start..<end
  }

  /// The first byte of a value: `{`, `[`, `"` or that of a number or literal.
  public func kind(_ range: Range<Int>) -> UInt8 { bytes[range.lowerBound] }

  public func isContainer(_ range: Range<Int>) -> Bool {
    let first = kind(range)
    return first == UInt8(ascii: "{") || first == UInt8(ascii: "[")
  }

  /// Whether two ranges of two texts hold the same bytes.
  public static func equal(_ a: JSONSkim, _ aRange: Range<Int>, _ b: JSONSkim, _ bRange: Range<Int>) -> Bool {
    aRange.count == bRange.count && a.bytes[aRange].elementsEqual(b.bytes[bRange])
  }

  /// The value in `range`, built.
  public func value(_ range: Range<Int>) -> JSONValue? { JSONValue.parse(Array(bytes[range])) }

  /// An object's members: decoded keys and their values' ranges.
  public func members(_ range: Range<Int>) -> [(key: String, value: Range<Int>)]? {
    var result: [(key: String, value: Range<Int>)] = []
    var index = whitespaceEnd(from: range.lowerBound + 1)
    if index < range.upperBound, bytes[index] == UInt8(ascii: "}") { return result }
    while index < range.upperBound {
      guard bytes[index] == UInt8(ascii: "\""), let keyEnd = stringEnd(from: index) else { return nil }
      var parser = JSONParser(bytes: bytes)
      parser.index = index
      guard let key = parser.string() else { return nil }
      index = whitespaceEnd(from: keyEnd)
      guard index < range.upperBound, bytes[index] == UInt8(ascii: ":") else { return nil }
      let start = whitespaceEnd(from: index + 1)
      guard let end = valueEnd(from: start) else { return nil }
      result.append((key, start..<end))
      index = whitespaceEnd(from: end)
      guard index < range.upperBound else { return nil }
      if bytes[index] == UInt8(ascii: "}") { return result }
      guard bytes[index] == UInt8(ascii: ",") else { return nil }
      index = whitespaceEnd(from: index + 1)
    }
    return nil
  }

  /// An array's items' ranges.
  public func items(_ range: Range<Int>) -> [Range<Int>]? {
    var result: [Range<Int>] = []
    var index = whitespaceEnd(from: range.lowerBound + 1)
    if index < range.upperBound, bytes[index] == UInt8(ascii: "]") { return result }
    while index < range.upperBound {
      guard let end = valueEnd(from: index) else { return nil }
      result.append(index..<end)
      index = whitespaceEnd(from: end)
      guard index < range.upperBound else { return nil }
      if bytes[index] == UInt8(ascii: "]") { return result }
      guard bytes[index] == UInt8(ascii: ",") else { return nil }
      index = whitespaceEnd(from: index + 1)
    }
    return nil
  }

  /// An object's members with only the values of `id` and `name` built (the
  /// others as null): what telling secrets by name and list items by
  /// identity read of an object.
  public func shallowMembers(_ range: Range<Int>) -> [(key: String, value: JSONValue)]? {
    members(range).map(shallow)
  }

  /// `members` with only the values of `id` and `name` built.
  public func shallow(_ members: [(key: String, value: Range<Int>)]) -> [(key: String, value: JSONValue)] {
    members.map { member in
      guard member.key == "id" || member.key == "name", !isContainer(member.value) else { return (member.key, .null) }
      return (member.key, value(member.value) ?? .null)
    }
  }

  // MARK: - Extents

  func whitespaceEnd(from start: Int) -> Int {
    var index = start
    while index < bytes.count {
      switch bytes[index] {
      case 0x20, 0x09, 0x0A, 0x0D: index += 1
      default: return index
      }
    }
    return index
  }

  /// The end of the string starting at `start` (its opening quote).
  func stringEnd(from start: Int) -> Int? {
    var index = start + 1
    while index < bytes.count {
      switch bytes[index] {
      case UInt8(ascii: "\\"): index += 2
      case UInt8(ascii: "\""): return index + 1
      default: index += 1
      }
    }
    return nil
  }

  /// The end of the value starting at `start`.
  func valueEnd(from start: Int) -> Int? {
    guard start < bytes.count else { return nil }
    switch bytes[start] {
    case UInt8(ascii: "\""):
      return stringEnd(from: start)
    case UInt8(ascii: "{"), UInt8(ascii: "["):
      // Every container was paired in one pass; one never closed, or
      // closed by the other kind of bracket, is not JSON.
      let close = bytes[start] == UInt8(ascii: "{") ? UInt8(ascii: "}") : UInt8(ascii: "]")
      guard let end = containerEnds[start], bytes[end - 1] == close else { return nil }
      return end
    default:
      var index = start
      while index < bytes.count {
        switch bytes[index] {
        case UInt8(ascii: ","), UInt8(ascii: "}"), UInt8(ascii: "]"), 0x20, 0x09, 0x0A, 0x0D:
          return index > start ? index : nil
        default: index += 1
        }
      }
      return index > start ? index : nil
    }
  }
}
