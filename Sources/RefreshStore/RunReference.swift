/// A run as a user names it: `latest`, `last-success`, `last-failure`, or
/// its id (1 to 18 decimal digits, no sign, no leading zero). Parsed once,
/// at the edge; the queries resolve it.
public enum RunReference: Sendable, Equatable, CustomStringConvertible {
  case latest
  case lastSuccess
  case lastFailure
  case id(Int64)

  /// Parses `text`.
  /// - Throws: ``StoreError/invalidRunReference(_:)`` naming what was given.
  public init(parsing text: String) throws(StoreError) {
    switch text {
    case "latest": self = .latest
    case "last-success": self = .lastSuccess
    case "last-failure": self = .lastFailure
    default:
      let bytes = Array(text.utf8)
      guard (1...18).contains(bytes.count), bytes.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }), bytes.first != 0x30,
        let id = Int64(text)
      else { throw .invalidRunReference(text) }
      self = .id(id)
    }
  }

  /// The reference as typed.
  public var description: String {
    switch self {
    case .latest: "latest"
    case .lastSuccess: "last-success"
    case .lastFailure: "last-failure"
    case .id(let id): String(id)
    }
  }
}
