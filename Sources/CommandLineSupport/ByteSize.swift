/// Sizes given on the command line: `1048576`, `512K`, `256M`, `1G`, `1T`
/// (binary units; `KiB`, `MiB`… and lower case are taken too).
public enum ByteSize {
  /// `--max-db-size`: 0 (no budget), or 1 MiB to 1 TiB.
  public static let databaseBudgetRange: ClosedRange<Int64> = (1 << 20)...(1 << 40)

  /// The number of bytes `text` names, or nil when it names none (or too many).
  public static func parse(_ text: String) -> Int64? {
    var digits = Substring(text)
    var unit = ""
    while let last = digits.last, !last.isNumber {
      unit = String(last) + unit
      digits = digits.dropLast()
    }
    let shifts: [String: Int64] = ["": 0, "k": 10, "m": 20, "g": 30, "t": 40]
    var key = unit.lowercased()
    if key.hasSuffix("ib") { key.removeLast(2) } else if key.hasSuffix("b") && key.count == 2 { key.removeLast() }
    guard !digits.isEmpty, digits.allSatisfy({ $0.isASCII && $0.isNumber }), let value = Int64(digits),
      let shift = shifts[key]
    else {
      return nil
    }
    let (result, overflow) = value.multipliedReportingOverflow(by: 1 << shift)
    return overflow ? nil : result
  }

  /// `--max-db-size`'s bytes: 0, or a size within ``databaseBudgetRange``.
  public static func databaseBudget(_ text: String) throws(OptionRange.OutOfRange) -> Int64 {
    guard let bytes = parse(text), bytes == 0 || databaseBudgetRange.contains(bytes) else {
      throw OptionRange.OutOfRange(
        description: "--max-db-size must be 0 (no budget) or a size from 1M to 1T such as 256M or 2G, not '\(text)'")
    }
    return bytes
  }

  /// `--max-file-content`: 0 (digests only) to 64 MiB.
  public static let fileContentRange: ClosedRange<Int64> = 0...(64 << 20)

  /// `--max-file-content`'s bytes, within ``fileContentRange``.
  public static func fileContentLimit(_ text: String) throws(OptionRange.OutOfRange) -> Int64 {
    guard let bytes = parse(text), fileContentRange.contains(bytes) else {
      throw OptionRange.OutOfRange(
        description: "--max-file-content must be a size from 0 to 64M such as 512K or 1M, not '\(text)'")
    }
    return bytes
  }
}
