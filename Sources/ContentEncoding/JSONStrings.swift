/// Reads back what ``JSONText/array(_:)`` wrote of strings: a JSON array of
/// strings, as RFC 8259 spells them (every escape, surrogate pairs joined).
public enum JSONStrings {
  /// The strings of `text`; nil when it is not an array of strings.
  public static func parse(_ text: String) -> [String]? {
    var bytes = Array(text.utf8)[...]
    func skipSpace() { while let byte = bytes.first, [0x20, 0x09, 0x0A, 0x0D].contains(byte) { bytes.removeFirst() } }
    skipSpace()
    guard bytes.popFirst() == UInt8(ascii: "[") else { return nil }
    var strings: [String] = []
    skipSpace()
    if bytes.first == UInt8(ascii: "]") {
      bytes.removeFirst()
      skipSpace()
      return bytes.isEmpty ? strings : nil
    }
    while true {
      skipSpace()
      guard let string = string(&bytes) else { return nil }
      strings.append(string)
      skipSpace()
      switch bytes.popFirst() {
      case UInt8(ascii: ","): continue
      case UInt8(ascii: "]"):
        skipSpace()
        return bytes.isEmpty ? strings : nil
      default: return nil
      }
    }
  }

  private static func string(_ bytes: inout ArraySlice<UInt8>) -> String? {
    guard bytes.popFirst() == UInt8(ascii: "\"") else { return nil }
    var output: [UInt8] = []
    var pendingHigh: UInt32?
    while let byte = bytes.popFirst() {
      switch byte {
      case UInt8(ascii: "\""):
        return pendingHigh == nil ? String(validating: output, as: UTF8.self) : nil
      case UInt8(ascii: "\\"):
        guard let escape = bytes.popFirst() else { return nil }
        if escape == UInt8(ascii: "u") {
          guard bytes.count >= 4, let unit = UInt32(String(decoding: bytes.prefix(4), as: UTF8.self), radix: 16)
          else { return nil }
          bytes.removeFirst(4)
          if (0xD800..<0xDC00).contains(unit) {
            guard pendingHigh == nil else { return nil }
            pendingHigh = unit
            continue
          }
          var scalarValue = unit
          if let high = pendingHigh {
            guard (0xDC00..<0xE000).contains(unit) else { return nil }
            scalarValue = 0x10000 + ((high - 0xD800) << 10) + (unit - 0xDC00)
            pendingHigh = nil
          }
          guard let scalar = Unicode.Scalar(scalarValue) else { return nil }
          output += Array(String(Character(scalar)).utf8)
          continue
        }
        guard pendingHigh == nil else { return nil }
        let simple: [UInt8: UInt8] = [
          0x22: 0x22, 0x5C: 0x5C, 0x2F: 0x2F, 0x62: 0x08, 0x66: 0x0C, 0x6E: 0x0A, 0x72: 0x0D, 0x74: 0x09,
        ]
        guard let replacement = simple[escape] else { return nil }
        output.append(replacement)
      default:
        guard byte >= 0x20, pendingHigh == nil else { return nil }
        output.append(byte)
      }
    }
    return nil
  }
}
