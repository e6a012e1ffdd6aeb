/// A changed value in one line. Short values whole (`8080 -> 9090`); long
/// ones around their first difference, with a little of what they share on
/// either side, so a changed signed URL never reads as two equal prefixes:
/// `…?Timestamp=2026-12-03T16:2[4 -> 5]Z&Signature…`.
public enum ValueDifference {
  /// Values up to this many characters are shown whole.
  public static let wholeUpTo = 60
  /// Characters shared before the difference that are shown.
  static let leading = 24
  /// Characters shared after it that are shown.
  static let trailing = 12
  /// Characters of each side of the difference shown.
  static let differing = 40

  public static func line(_ old: String, _ new: String) -> String {
    guard old.count > wholeUpTo || new.count > wholeUpTo else { return old + " -> " + new }
    let (a, b) = (Array(old), Array(new))
    var prefix = 0
    while prefix < a.count, prefix < b.count, a[prefix] == b[prefix] { prefix += 1 }
    var suffix = 0
    while suffix < a.count - prefix, suffix < b.count - prefix, a[a.count - 1 - suffix] == b[b.count - 1 - suffix] {
      suffix += 1
    }
    let before = prefix > leading ? "…" + String(a[(prefix - leading)..<prefix]) : String(a[..<prefix])
    let after =
      suffix > trailing
      ? String(a[(a.count - suffix)..<(a.count - suffix + trailing)]) + "…" : String(a[(a.count - suffix)...])
    func cut(_ part: ArraySlice<Character>) -> String {
      part.count > differing ? String(part.prefix(differing - 1)) + "…" : String(part)
    }
    return before + "[" + cut(a[prefix..<(a.count - suffix)]) + " -> " + cut(b[prefix..<(b.count - suffix)]) + "]"
      + after
  }
}
