/// Text made safe to show on a terminal: control characters (C0 but for
/// newline and tab, DEL, C1) become visible escapes such as `\x1b`, so
/// nothing stored or read from a file can drive the terminal, as
/// `systemctl status` and `less` neutralise what they display. Characters
/// that reorder or hide text (bidirectional controls, zero-width ones: the
/// "Trojan Source" characters, CVE-2021-42574) become `\u{202e}`, so what
/// is shown is what is stored.
public enum DisplayText {
  /// Bidirectional embedding, override and isolate controls and marks, and
  /// zero-width characters.
  static func isInvisibleFormatting(_ value: UInt32) -> Bool {
    (0x202A...0x202E).contains(value) || (0x2066...0x2069).contains(value) || value == 0x200E || value == 0x200F
      || value == 0x061C || (0x200B...0x200D).contains(value) || value == 0x2060 || value == 0xFEFF
  }

  /// `text` with its control characters escaped; newlines and tabs kept
  /// unless `singleLine`.
  public static func escaped(_ text: String, singleLine: Bool = false) -> String {
    var result = ""
    result.unicodeScalars.reserveCapacity(text.unicodeScalars.count)
    for scalar in text.unicodeScalars {
      let value = scalar.value
      let isControl = value < 0x20 || (0x7F...0x9F).contains(value)
      let kept = !singleLine && (scalar == "\n" || scalar == "\t")
      if isControl && !kept {
        let hex = String(value, radix: 16)
        result += "\\x" + (hex.count < 2 ? "0" : "") + hex
      } else if isInvisibleFormatting(value) {
        result += "\\u{" + String(value, radix: 16) + "}"
      } else {
        result.unicodeScalars.append(scalar)
      }
    }
    return result
  }

  /// `text` with each scalar `replacement` has text for replaced by it: the
  /// one loop behind each format's escaping (Prometheus labels, XML).
  public static func replacing(_ text: String, _ replacement: (Unicode.Scalar) -> String?) -> String {
    var result = ""
    result.unicodeScalars.reserveCapacity(text.unicodeScalars.count)
    for scalar in text.unicodeScalars {
      if let replaced = replacement(scalar) {
        result += replaced
      } else {
        result.unicodeScalars.append(scalar)
      }
    }
    return result
  }
}
