import ContentEncoding

/// A parsed JSON document, objects keeping their keys in document order.
public indirect enum JSONValue: Equatable, Sendable {
  case null
  case bool(Bool)
  /// A number, kept as written so `1.0` and `1` stay distinct and nothing is rounded.
  case number(String)
  case string(String)
  case array([JSONValue])
  case object([(key: String, value: JSONValue)])

  public static func == (lhs: JSONValue, rhs: JSONValue) -> Bool {
    switch (lhs, rhs) {
    case (.null, .null): return true
    case (.bool(let a), .bool(let b)): return a == b
    case (.number(let a), .number(let b)): return a == b
    case (.string(let a), .string(let b)): return a == b
    case (.array(let a), .array(let b)): return a == b
    case (.object(let a), .object(let b)):
      return a.count == b.count && zip(a, b).allSatisfy { $0.key == $1.key && $0.value == $1.value }
    default: return false
    }
  }

  /// Parses `bytes` as one JSON document (RFC 8259); nil when it is not.
  public static func parse(_ bytes: [UInt8]) -> JSONValue? {
    var parser = JSONParser(bytes: bytes)
    guard let value = parser.value(depth: 0) else { return nil }
    parser.skipWhitespace()
    return parser.index == bytes.count ? value : nil
  }

  /// Compact JSON text for the value (for showing old and new values).
  public var text: String {
    switch self {
    case .null: return "null"
    case .bool(let value): return value ? "true" : "false"
    case .number(let value): return value
    case .string(let value): return JSONValue.quoted(value)
    case .array(let values): return "[" + values.map(\.text).joined(separator: ",") + "]"
    case .object(let members):
      return "{" + members.map { JSONValue.quoted($0.key) + ":" + $0.value.text }.joined(separator: ",") + "}"
    }
  }

  static func quoted(_ string: String) -> String { JSONText.string(string).rendered }
}

/// A recursive-descent parser over UTF-8 bytes.
struct JSONParser {
  let bytes: [UInt8]
  var index = 0
  static let maximumDepth = 512

  init(bytes: [UInt8]) {
    self.bytes = bytes
    if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { index = 3 }
  }

  mutating func skipWhitespace() {
    while index < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[index]) { index += 1 }
  }

  mutating func value(depth: Int) -> JSONValue? {
    guard depth < Self.maximumDepth else { return nil }
    skipWhitespace()
    guard index < bytes.count else { return nil }
    switch bytes[index] {
    case UInt8(ascii: "{"): return object(depth: depth)
    case UInt8(ascii: "["): return array(depth: depth)
    case UInt8(ascii: "\""): return string().map { .string($0) }
    case UInt8(ascii: "t"): return literal("true", .bool(true))
    case UInt8(ascii: "f"): return literal("false", .bool(false))
    case UInt8(ascii: "n"): return literal("null", .null)
    default: return number()
    }
  }

  mutating func literal(_ word: String, _ value: JSONValue) -> JSONValue? {
    let expected = Array(word.utf8)
    guard bytes.count - index >= expected.count, Array(bytes[index..<(index + expected.count)]) == expected else {
      return nil
    }
    index += expected.count
    return value
  }

  mutating func object(depth: Int) -> JSONValue? {
    index += 1
    var members: [(key: String, value: JSONValue)] = []
    skipWhitespace()
    if index < bytes.count, bytes[index] == UInt8(ascii: "}") {
      index += 1
      return .object(members)
    }
    while true {
      skipWhitespace()
      guard index < bytes.count, bytes[index] == UInt8(ascii: "\""), let key = string() else { return nil }
      skipWhitespace()
      guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else { return nil }
      index += 1
      guard let value = value(depth: depth + 1) else { return nil }
      members.append((key, value))
      skipWhitespace()
      guard index < bytes.count else { return nil }
      if bytes[index] == UInt8(ascii: ",") {
        index += 1
        continue
      }
      guard bytes[index] == UInt8(ascii: "}") else { return nil }
      index += 1
      return .object(members)
    }
  }

  mutating func array(depth: Int) -> JSONValue? {
    index += 1
    var values: [JSONValue] = []
    skipWhitespace()
    if index < bytes.count, bytes[index] == UInt8(ascii: "]") {
      index += 1
      return .array(values)
    }
    while true {
      guard let value = value(depth: depth + 1) else { return nil }
      values.append(value)
      skipWhitespace()
      guard index < bytes.count else { return nil }
      if bytes[index] == UInt8(ascii: ",") {
        index += 1
        continue
      }
      guard bytes[index] == UInt8(ascii: "]") else { return nil }
      index += 1
      return .array(values)
    }
  }

  mutating func number() -> JSONValue? {
    let start = index
    if index < bytes.count, bytes[index] == UInt8(ascii: "-") { index += 1 }
    func digits() -> Int {
      let first = index
      while index < bytes.count, bytes[index] >= 0x30, bytes[index] <= 0x39 { index += 1 }
      return index - first
    }
    guard index < bytes.count else { return nil }
    if bytes[index] == UInt8(ascii: "0") {
      index += 1
    } else if digits() == 0 {
      return nil
    }
    if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
      index += 1
      guard digits() > 0 else { return nil }
    }
    if index < bytes.count, bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E") {
      index += 1
      if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") { index += 1 }
      guard digits() > 0 else { return nil }
    }
    return .number(String(decoding: bytes[start..<index], as: UTF8.self))
  }

  mutating func string() -> String? {
    index += 1
    // Plain runs are found in one scan and copied in one step (large Heat
    // configs are tens of kilobytes of text with a `\n` escape per line);
    // the string is made from its UTF-8 once. Raw bytes that are not UTF-8
    // become U+FFFD, as String(decoding:) repairs them.
    var utf8: [UInt8] = []
    while true {
      let start = index
      let special = nextSpecial(from: start)
      guard special < bytes.count else { return nil }
      if bytes[special] == UInt8(ascii: "\"") && utf8.isEmpty {
        index = special + 1
        return String(decoding: bytes[start..<special], as: UTF8.self)
      }
      utf8.append(contentsOf: bytes[start..<special])
      index = special + 1
      switch bytes[special] {
      case UInt8(ascii: "\""):
        return String(decoding: utf8, as: UTF8.self)
      case UInt8(ascii: "\\"):
        guard unescape(into: &utf8) else { return nil }
      default:
        return nil  // a control character
      }
    }
  }

  /// The index of the next quote, backslash or control character from
  /// `start` (or the end).
  private func nextSpecial(from start: Int) -> Int {
    bytes.withUnsafeBufferPointer { buffer in
      var position = start
      while position < buffer.count {
        let byte = buffer[position]
        if byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") || byte < 0x20 { return position }
        position += 1
      }
      return position
    }
  }

  /// Appends the UTF-8 of the escape after a backslash; false when it is not one.
  private mutating func unescape(into utf8: inout [UInt8]) -> Bool {
    guard index < bytes.count else { return false }
    let escape = bytes[index]
    index += 1
    switch escape {
    case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): utf8.append(escape)
    case UInt8(ascii: "b"): utf8.append(0x08)
    case UInt8(ascii: "f"): utf8.append(0x0C)
    case UInt8(ascii: "n"): utf8.append(0x0A)
    case UInt8(ascii: "r"): utf8.append(0x0D)
    case UInt8(ascii: "t"): utf8.append(0x09)
    case UInt8(ascii: "u"):
      guard var code = hex4() else { return false }
      if (0xD800...0xDBFF).contains(code), bytes.count - index >= 6, bytes[index] == UInt8(ascii: "\\"),
        bytes[index + 1] == UInt8(ascii: "u")
      {
        index += 2
        guard let low = hex4(), (0xDC00...0xDFFF).contains(low) else { return false }
        code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
      }
      utf8.append(contentsOf: String(Unicode.Scalar(code) ?? "\u{FFFD}").utf8)
    default: return false
    }
    return true
  }

  mutating func hex4() -> UInt32? {
    guard bytes.count - index >= 4 else { return nil }
    var value: UInt32 = 0
    for _ in 0..<4 {
      let byte = bytes[index]
      index += 1
      let digit: UInt32
      switch byte {
      case 0x30...0x39: digit = UInt32(byte - 0x30)
      case 0x41...0x46: digit = UInt32(byte - 0x41 + 10)
      case 0x61...0x66: digit = UInt32(byte - 0x61 + 10)
      default: return nil
      }
      value = value * 16 + digit
    }
    return value
  }
}
