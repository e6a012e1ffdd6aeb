/// The documented range of each numeric option, checked in one place.
public enum OptionRange {
  /// `--timeout`: up to a year.
  public static let timeoutSeconds = 0...31_536_000
  /// `--kill-after`: up to a day.
  public static let killAfterSeconds = 0...86_400
  /// `status --slow-after`: up to a week.
  public static let slowAfterSeconds = 0...604_800
  /// `--max-output`: up to 16 MiB at each end of each stream.
  public static let maxOutputBytes = 0...16_777_216

  /// A numeric option outside its range: a usage error naming the option,
  /// its range and the value given.
  public struct OutOfRange: Error, CustomStringConvertible {
    public let description: String
  }

  /// Throws ``OutOfRange`` when `value` is outside `range`.
  public static func check(_ name: String, _ value: Int?, _ range: ClosedRange<Int>, _ unit: String)
    throws(OutOfRange)
  {
    guard let value, !range.contains(value) else { return }
    throw OutOfRange(
      description:
        "\(name) must be a whole number of \(unit) from \(range.lowerBound) to \(range.upperBound), not \(value)")
  }
}
