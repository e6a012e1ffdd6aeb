/// Text made safe to show on a terminal: control characters (C0 but for
/// newline and tab, DEL, C1) become visible escapes such as `\x1b`, so
/// nothing stored or read from a file can drive the terminal, as
/// `systemctl status` and `less` neutralise what they display. Characters
/// that reorder or hide text (bidirectional controls, zero-width ones: the
/// "Trojan Source" characters, CVE-2021-42574; line separators; the
/// default-ignorable ones) become `\u{202e}`, so what is shown is what is stored.
public enum DisplayText {
  /// Characters that reorder, hide or break text: every format character
  /// (Cf: bidirectional controls and marks, zero-width ones, the soft
  /// hyphen, U+180E), the line and paragraph separators (Zl, Zp), and every
  /// other default-ignorable code point (the Hangul fillers, variation
  /// selectors), which terminals draw as nothing.
  static func isInvisibleFormatting(_ scalar: Unicode.Scalar) -> Bool {
    guard scalar.value >= 0x80 else { return false }
    let properties = scalar.properties
    switch properties.generalCategory {
    case .format, .lineSeparator, .paragraphSeparator: return true
    default: return properties.isDefaultIgnorableCodePoint
    }
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
      } else if isInvisibleFormatting(scalar) {
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
