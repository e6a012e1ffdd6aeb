/// A POSIX extended regular expression matched in time linear in the text:
/// a Thompson NFA run as a Pike VM, leftmost-longest as POSIX asks, over
/// bytes as in the C locale.
///
/// glibc's regexec backtracks: `(a*)*\1b` on 64 KiB of `a` grew to 24 GB,
/// `(a+)+b` took 3.2 s per 64 KiB. Here every search costs at most the text's
/// length times the program's size. What cannot be matched in linear time
/// (back-references) is refused when the expression is compiled, and so is a
/// program past ``maximumProgramSize`` instructions (bounded repetitions
/// are copies).
public final class LinearPattern: Sendable {
  /// An expression refused, with the reason.
  public struct Invalid: Error, Sendable {
    public let source: String
    public let reason: String
  }

  /// The most instructions a compiled expression may have.
  public static let maximumProgramSize = 20_000
  /// The largest count `{m,n}` may name.
  public static let maximumRepetition = 255

  /// The expression as given.
  public let source: String
  let program: [PatternInstruction]

  /// Compiles `source` (POSIX ERE, with GNU's `\w \W \s \S \b \B \< \>`).
  public init(_ source: String) throws(Invalid) {
    self.source = source
    do {
      var parser = PatternParser(Array(source.utf8))
      program = try PatternCompiler.compile(try parser.parse())
    } catch {
      throw Invalid(source: source, reason: error.reason)
    }
  }

  /// Whether the expression matches the empty text.
  public var matchesEmpty: Bool {
    [UInt8]().withUnsafeBufferPointer { firstMatch(in: $0, from: 0, budget: nil) } != nil
  }

  /// The leftmost-longest match in `line` starting at `from` or later, or nil.
  /// `^` matches only at offset 0 of `line`, `$` only at its end.
  ///
  /// - Parameter budget: VM steps this search may take, spent; nil when
  ///   unlimited. When it runs out (or says stop) the search returns
  ///   `from..<line.count`, so the caller fails closed.
  func firstMatch(
    in line: UnsafeBufferPointer<UInt8>, from: Int, budget: UnsafeMutablePointer<SearchBudget>?
  ) -> Range<Int>? {
    var machine = PikeMachine(program: program, line: line)
    return machine.search(from: from, budget: budget)
  }
}
