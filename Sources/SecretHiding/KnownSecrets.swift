/// The secret values of this run's metadata, found in captured output and
/// hidden before it is stored: a script that echoes a password it was given
/// does not put it in the history. What passes through to the console is
/// untouched.
public struct KnownSecrets: Sendable {
  /// Values shorter than this are not searched for (too likely to be words).
  public static let minimumLength = 6
  /// At most this many distinct values are searched for.
  public static let maximumCount = 1000

  /// The values, longest first.
  let values: [[UInt8]]

  /// No values.
  public init() { values = [] }

  /// The secret values given (6 bytes or more, at most ``maximumCount``).
  public init(values given: [[UInt8]]) {
    var found = Set<[UInt8]>()
    for bytes in given where bytes.count >= Self.minimumLength && found.count < Self.maximumCount {
      found.insert(bytes)
    }
    values = found.sorted { $0.count > $1.count }
  }

  /// Whether there is nothing to look for.
  public var isEmpty: Bool { values.isEmpty }

  /// Where the values occur in `bytes` (memmem(3), linear in the text per value).
  public func ranges(in bytes: [UInt8]) -> [Range<Int>] { CredentialSpans.occurrences(of: values, in: bytes) }
}
