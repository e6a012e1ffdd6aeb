import SystemInterface

/// The POSIX extended regular expression that script names must match, as
/// dib-run-parts applies `grep -E "$RUN_PARTS_REGEX"` to them.
///
/// Immutable once compiled; regexec(3) may be called on it from any thread.
public final class RunPartsPattern: Sendable {
  /// dib-run-parts' default: `^[0-9A-Za-z_-]+$`.
  public static let defaultScriptPattern = "^[0-9A-Za-z_-]+$"
  /// The names environment.d files must have (dib-run-parts matches
  /// `/[0-9A-Za-z_\.-]+$` against the full path, i.e. the whole base name).
  public static let environmentFilePattern = "^[0-9A-Za-z_.-]+$"

  /// The compiled `environmentFilePattern`.
  public static let environmentFiles: RunPartsPattern = {
    // A fixed, valid expression: compiling it cannot fail.
    try! RunPartsPattern(environmentFilePattern)
  }()

  /// The expression as given.
  public var source: String { expression.source }
  private let expression: RegularExpression

  /// Compiles `source` (regcomp with REG_EXTENDED | REG_NOSUB).
  /// - Throws: ``RunnerError/invalidPattern(_:reason:)`` with regerror's text.
  public init(_ source: String) throws(RunnerError) {
    do {
      expression = try RegularExpression(source, positions: false)
    } catch {
      throw .invalidPattern(source, reason: error.reason)
    }
  }

  /// The pattern dib-run-parts would use for this environment:
  /// `RUN_PARTS_REGEX` when set and non-empty, else the default.
  public static func forEnvironment(_ environment: [String: String]) throws(RunnerError)
    -> RunPartsPattern
  {
    let value = environment["RUN_PARTS_REGEX"] ?? ""
    return try RunPartsPattern(value.isEmpty ? defaultScriptPattern : value)
  }

  /// Whether `name` matches anywhere, as grep does.
  public func matches(_ name: String) -> Bool {
    expression.matches(name)
  }
}
