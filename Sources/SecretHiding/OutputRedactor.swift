import SystemInterface

/// Replaces every match of the `--redact` expressions in captured output with
/// `<redacted>` before it is stored. Matching is per line (lines split at
/// newline and NUL), with POSIX extended regular expressions matched in
/// linear time (``LinearPattern``): each line may cost at most
/// ``stepsPerByte`` VM steps per byte and instruction, and a line that would
/// cost more is redacted from where the search stood to its end — failing
/// closed, never leaking, never running away.
public final class OutputRedactor: Sendable {
  /// What a match becomes.
  public static let replacement = Array("<redacted>".utf8)

  /// The expressions as given.
  public var sources: [String] { expressions.map(\.source) }
  private let expressions: [LinearPattern]

  /// How many VM steps per byte of a line, per instruction of an
  /// expression, its redaction may take.
  public static let stepsPerByte = 16
  /// The most VM steps one call may take in all, whatever the size and the
  /// expressions (16.7 million: about 0.2 s on a 2-core EPYC in a release
  /// build, 20 s in a debug one). A count, not a clock: what is stored never
  /// depends on the machine's speed. A termination signal does not wait for
  /// it: the search asks its stop every ``SearchBudget/slice`` steps.
  public static let maximumSteps = 1 << 24

  /// An expression that does not compile.
  public struct InvalidExpression: Error, CustomStringConvertible {
    public let expression: String
    public let reason: String
    public var description: String {
      "invalid --redact expression '\(DisplayText.escaped(expression, singleLine: true))': \(reason)"
    }
  }

  /// Compiles `expressions`.
  public init(_ expressions: [String]) throws(InvalidExpression) {
    do {
      self.expressions = try expressions.map { source throws(LinearPattern.Invalid) in
        let expression = try LinearPattern(source)
        // One that matches nothing at all would put <redacted> between every byte.
        if expression.matchesEmpty {
          throw LinearPattern.Invalid(source: source, reason: "it matches the empty string")
        }
        return expression
      }
    } catch {
      throw InvalidExpression(expression: error.source, reason: error.reason)
    }
  }

  /// The redactor for `--redact` expressions and a `--redact-file`; nil when there are none.
  /// - Throws: ``InvalidExpression``, or ``UnreadablePatternFile`` naming the file.
  public static func forArguments(_ expressions: [String], file: String?) throws -> OutputRedactor? {
    var all = expressions
    if let file {
      guard let fromFile = patterns(fromFile: file) else { throw UnreadablePatternFile(path: file) }
      all += fromFile
    }
    return all.isEmpty ? nil : try OutputRedactor(all)
  }

  /// A `--redact-file` that cannot be read.
  public struct UnreadablePatternFile: Error, CustomStringConvertible {
    public let path: String
    public var description: String { "cannot read --redact-file \(path)" }
  }

  /// Reads patterns from a file: one per line; blank lines and lines starting
  /// with `#` are skipped.
  public static func patterns(fromFile path: String) -> [String]? {
    guard let (bytes, _) = try? SmallFile.read(path, limit: 1 << 20) else { return nil }
    return String(decoding: bytes, as: UTF8.self).split(separator: "\n").map(String.init)
      .filter { !$0.isEmpty && !$0.hasPrefix("#") }
  }

  /// `text` with every match replaced by `<redacted>`.
  public func redact(_ text: String) -> String { String(decoding: redact(Array(text.utf8)), as: UTF8.self) }

  /// `bytes` with every match replaced by `<redacted>`.
  public func redact(_ bytes: [UInt8]) -> [UInt8] {
    Self.replacing(ranges(in: bytes), of: bytes, in: 0..<bytes.count)
  }

  /// The ranges of `bytes` to hide, in original offsets, sorted and merged:
  /// matches of every expression, line by line (lines split at newline and
  /// NUL). Once `shouldStop` (asked every ``SearchBudget/slice`` steps)
  /// says yes, the rest is hidden whole: failing closed, at once.
  public func ranges(in bytes: [UInt8], stoppingWhen shouldStop: (() -> Bool)? = nil) -> [Range<Int>] {
    var steps = 0
    return ranges(in: bytes, stepsTaken: &steps, stoppingWhen: shouldStop)
  }

  /// ``ranges(in:stoppingWhen:)``, also counting the VM steps the search
  /// took (at most ``maximumSteps``): how tests bound the engine's work
  /// without a clock.
  public func ranges(
    in bytes: [UInt8], stepsTaken: inout Int, stoppingWhen shouldStop: (() -> Bool)? = nil
  ) -> [Range<Int>] {
    guard !expressions.isEmpty, !bytes.isEmpty else { return [] }
    var budget = SearchBudget(total: Self.maximumSteps, shouldStop: shouldStop)
    defer { stepsTaken = budget.spent }
    var found: [Range<Int>] = []
    bytes.withUnsafeBufferPointer { all in
      var lines = LineBreaks(all)
      while let line = lines.next() {
        let text = UnsafeBufferPointer(rebasing: all[line])
        for expression in expressions {
          found += Self.matches(of: expression, in: text, budget: &budget).map {
            ($0.lowerBound + line.lowerBound)..<($0.upperBound + line.lowerBound)
          }
        }
      }
    }
    return Self.merged(found)
  }

  /// Sorted, overlapping or touching ranges joined.
  public static func merged(_ ranges: [Range<Int>]) -> [Range<Int>] { CredentialSpans.merged(ranges) }

  /// The bytes of `window` with each of `ranges` (in original offsets) that
  /// touches it replaced by `<redacted>` once.
  public static func replacing(
    _ ranges: [Range<Int>], of bytes: [UInt8], in window: Range<Int>, with replacement: [UInt8] = replacement
  ) -> [UInt8] {
    var output: [UInt8] = []
    output.reserveCapacity(window.count)
    var position = window.lowerBound
    for range in ranges where range.upperBound > window.lowerBound && range.lowerBound < window.upperBound {
      let start = max(range.lowerBound, window.lowerBound)
      if start > position { output += bytes[position..<start] }
      output += replacement
      position = min(range.upperBound, window.upperBound)
    }
    if position < window.upperBound { output += bytes[position..<window.upperBound] }
    return output
  }

  /// Every match of `expression` in `line`, left to right; past the budget,
  /// or once the work must stop, the rest of the line is one range (failing closed).
  private static func matches(
    of expression: LinearPattern, in line: UnsafeBufferPointer<UInt8>, budget: inout SearchBudget
  ) -> [Range<Int>] {
    guard budget.startLine(allowing: stepsPerByte * (line.count + 1) * expression.program.count) else {
      return line.isEmpty ? [] : [0..<line.count]
    }
    var found: [Range<Int>] = []
    var offset = 0
    while offset <= line.count {
      guard let match = expression.firstMatch(in: line, from: offset, budget: &budget) else { break }
      if budget.isExhausted { return found + [offset..<line.count] }
      if !match.isEmpty { found.append(match) }
      offset = match.isEmpty ? match.lowerBound + 1 : match.upperBound
    }
    return found
  }
}
