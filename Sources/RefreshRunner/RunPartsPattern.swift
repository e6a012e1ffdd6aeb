#if canImport(Glibc)
  import Glibc
#endif

/// The POSIX extended regular expression that script names must match, as
/// dib-run-parts applies `grep -E "$RUN_PARTS_REGEX"` to them.
///
/// Immutable once compiled; regexec(3) may be called on it from any thread.
public final class RunPartsPattern: @unchecked Sendable {
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
  public let source: String
  private let compiled: UnsafeMutablePointer<regex_t>

  /// Compiles `source` (regcomp with REG_EXTENDED | REG_NOSUB).
  /// - Throws: ``RunnerError/invalidPattern(_:reason:)`` with regerror's text.
  public init(_ source: String) throws(RunnerError) {
    // Compiled before any stored property is set: a throwing initializer
    // that had set them all would run deinit on the failed expression.
    let expression = UnsafeMutablePointer<regex_t>.allocate(capacity: 1)
    let status = regcomp(expression, source, REG_EXTENDED | REG_NOSUB)
    if status != 0 {
      var message = [CChar](repeating: 0, count: 256)
      regerror(status, expression, &message, message.count)
      expression.deallocate()
      let text = message.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }
      throw .invalidPattern(source, reason: String(decoding: text, as: UTF8.self))
    }
    self.source = source
    compiled = expression
  }

  /// The pattern dib-run-parts would use for this environment:
  /// `RUN_PARTS_REGEX` when set and non-empty, else the default.
  public static func forEnvironment(_ environment: [String: String]) throws(RunnerError)
    -> RunPartsPattern
  {
    let value = environment["RUN_PARTS_REGEX"] ?? ""
    return try RunPartsPattern(value.isEmpty ? defaultScriptPattern : value)
  }

  deinit {
    regfree(compiled)
    compiled.deallocate()
  }

  /// Whether `name` matches anywhere, as grep does.
  public func matches(_ name: String) -> Bool {
    regexec(compiled, name, 0, nil, 0) == 0
  }
}
