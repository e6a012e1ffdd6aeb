/// Writes JSON text: strings escaped per RFC 8259, objects with their keys
/// in the order given (so the documented contract reads the same every time).
public indirect enum JSONText: Sendable, Equatable {
  case null
  case bool(Bool)
  case integer(Int64)
  /// A number written with exactly `decimals` digits after the point.
  case decimal(Double, decimals: Int)
  case string(String)
  case array([JSONText])
  case object([(String, JSONText)])
  /// Text that is already JSON, written as it is.
  case raw(String)

  public static func == (lhs: JSONText, rhs: JSONText) -> Bool { lhs.rendered == rhs.rendered }

  /// A JSON array of strings.
  public static func array(_ strings: [String]) -> String { JSONText.array(strings.map { .string($0) }).rendered }

  /// The value as compact JSON text.
  public var rendered: String {
    var output = ""
    write(to: &output)
    return output
  }

  private func write(to output: inout String) {
    switch self {
    case .null: output += "null"
    case .bool(let value): output += value ? "true" : "false"
    case .integer(let value): output += String(value)
    case .decimal(let value, let decimals): output += Self.fixed(value, decimals: decimals)
    case .string(let value): Self.writeString(value, to: &output)
    case .raw(let text): output += text
    case .array(let values):
      output += "["
      for (index, value) in values.enumerated() {
        if index > 0 { output += "," }
        value.write(to: &output)
      }
      output += "]"
    case .object(let members):
      output += "{"
      for (index, (key, value)) in members.enumerated() {
        if index > 0 { output += "," }
        Self.writeString(key, to: &output)
        output += ":"
        value.write(to: &output)
      }
      output += "}"
    }
  }

  /// `value` with `decimals` digits after the point, rounded half away from zero.
  static func fixed(_ value: Double, decimals: Int) -> String {
    var scale: Int64 = 1
    for _ in 0..<decimals { scale *= 10 }
    let scaled = Int64((abs(value) * Double(scale)).rounded())
    let sign = value < 0 && scaled != 0 ? "-" : ""
    let whole = scaled / scale
    guard decimals > 0 else { return sign + String(whole) }
    let fraction = String(scaled % scale)
    return sign + String(whole) + "." + String(repeating: "0", count: decimals - fraction.count) + fraction
  }

  /// `value` as a JSON string's text: in quotes, `"`, `\` and controls escaped.
  public static func quoted(_ value: String) -> String {
    var output = ""
    writeString(value, to: &output)
    return output
  }

  private static func writeString(_ value: String, to output: inout String) {
    output += "\""
    // The runs between characters that need escaping are copied whole
    // (each boundary is an ASCII byte, so a scalar boundary).
    let scalars = value.unicodeScalars
    var runStart = scalars.startIndex
    var index = runStart
    for byte in value.utf8 {
      defer { index = value.utf8.index(after: index) }
      guard byte == 0x22 || byte == 0x5C || byte < 0x20 else { continue }
      output += Substring(scalars[runStart..<index])
      switch byte {
      case 0x22: output += "\\\""
      case 0x5C: output += "\\\\"
      case 0x0A: output += "\\n"
      case 0x0D: output += "\\r"
      case 0x09: output += "\\t"
      default:
        let hex = String(byte, radix: 16)
        output += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
      }
      runStart = value.utf8.index(after: index)
    }
    output += Substring(scalars[runStart..<scalars.endIndex])
    output += "\""
  }
}
