/// A compiled POSIX extended regular expression (regcomp(3)), freed when released.
///
/// Immutable once compiled; regexec(3) may be called on it from any thread.
public final class RegularExpression: @unchecked Sendable {
  /// The expression as given.
  public let source: String
  private let compiled: UnsafeMutablePointer<regex_t>

  /// An expression regcomp refused, with regerror's text.
  public struct Invalid: Error, Sendable {
    public let source: String
    public let reason: String

    /// An expression refused for `reason`.
    public init(source: String, reason: String) {
      self.source = source
      self.reason = reason
    }
  }

  /// Compiles `source` with REG_EXTENDED (and REG_NOSUB when only whether it
  /// matches is asked, never where).
  public init(_ source: String, positions: Bool = true) throws(Invalid) {
    // Compiled before any stored property is set: a throwing initializer
    // that had set them all would run deinit on the failed expression.
    let expression = UnsafeMutablePointer<regex_t>.allocate(capacity: 1)
    let status = regcomp(expression, source, REG_EXTENDED | (positions ? 0 : REG_NOSUB))
    if status != 0 {
      var message = [CChar](repeating: 0, count: 256)
      regerror(status, expression, &message, message.count)
      expression.deallocate()
      let text = message.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }
      throw Invalid(source: source, reason: String(decoding: text, as: UTF8.self))
    }
    self.source = source
    compiled = expression
  }

  deinit {
    regfree(compiled)
    compiled.deallocate()
  }

  /// Whether `text` matches anywhere, as grep does.
  public func matches(_ text: String) -> Bool {
    regexec(compiled, text, 0, nil, 0) == 0
  }

  /// The byte range of the first match in `text` (NUL-terminated, `count`
  /// bytes before the NUL); `notAtLineStart` when `text` continues a line.
  public func firstMatch(in text: UnsafePointer<CChar>, notAtLineStart: Bool) -> Range<Int>? {
    var match = regmatch_t()
    guard regexec(compiled, text, 1, &match, notAtLineStart ? REG_NOTBOL : 0) == 0, match.rm_so >= 0 else {
      return nil
    }
    return Int(match.rm_so)..<Int(match.rm_eo)
  }
}
