import SystemInterface

/// `--max-db-size` as typed: 0 (no budget) or 1M to 1T, parsed once at the
/// edge; a value out of range is an error, never a default.
public struct DatabaseBudget: Sendable, Equatable, CustomStringConvertible {
  /// The budget in bytes (0: none).
  public let bytes: Int64
  /// The value as given: shown as the default in help.
  public let description: String

  /// The default, 256M.
  public static let standard = DatabaseBudget(bytes: 256 << 20, description: "256M")

  private init(bytes: Int64, description: String) {
    self.bytes = bytes
    self.description = description
  }

  /// Parses `text`: a size such as `256M`, or 0.
  /// - Throws: ``OptionRange/OutOfRange`` naming the option and the value.
  public init(parsing text: String) throws(OptionRange.OutOfRange) {
    self.init(bytes: try ByteSize.databaseBudget(text), description: text)
  }
}

/// A duration back from now (`--older-than`): `90s`, `30m`, `12h`, `7d`,
/// `2w`, at most 100 years, parsed once at the edge.
public struct AgeArgument: Sendable, Equatable, CustomStringConvertible {
  /// The duration in microseconds.
  public let microseconds: Int64
  /// The value as given.
  public let description: String

  /// Parses `text` as the duration `option` takes.
  /// - Throws: ``OptionRange/OutOfRange`` naming the option and the value.
  public init(parsing text: String, option: String) throws(OptionRange.OutOfRange) {
    guard let microseconds = TimeParser.durationMicroseconds(text) else {
      throw OptionRange.OutOfRange(
        description: "\(option) takes a duration such as 90s, 30m, 12h, 7d or 2w, not '\(text)'")
    }
    self.microseconds = microseconds
    description = text
  }

  /// The instant that long before `now` (UTC microseconds), never before 1970.
  public func before(_ now: Int64) -> Int64 { max(0, now - microseconds) }
}

/// An instant (`--since`): a duration back from when it was parsed, a local
/// date or date and time, or RFC 3339; parsed once, at the edge.
public struct InstantArgument: Sendable, Equatable, CustomStringConvertible {
  /// The instant, UTC microseconds.
  public let microseconds: Int64
  /// The value as given.
  public let description: String

  /// Parses `text`, a duration counting back from `now`.
  /// - Throws: ``OptionRange/OutOfRange`` naming the option and the value.
  public init(parsing text: String, option: String, now: Int64 = RunClock().wallMicroseconds())
    throws(OptionRange.OutOfRange)
  {
    guard let microseconds = TimeParser.parse(text, now: now) else {
      throw OptionRange.OutOfRange(
        description: "\(option) takes 30m, 12h, 7d, 2026-11-24, '2026-11-24 10:00' or RFC 3339, not '\(text)'")
    }
    self.microseconds = microseconds
    description = text
  }
}
