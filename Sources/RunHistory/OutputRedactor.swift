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
  /// expressions (16.7 million: about 0.2 s on a 2-core EPYC, release
  /// build), so redaction ends well within a termination signal's grace
  /// period. A count, not a clock: what is stored never depends on the
  /// machine's speed.
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

  /// `bytes` with every match replaced.
  public func redact(_ bytes: [UInt8]) -> [UInt8] {
    guard !expressions.isEmpty, !bytes.isEmpty else { return bytes }
    var remaining = Self.maximumSteps
    var output: [UInt8] = []
    output.reserveCapacity(bytes.count)
    var start = 0
    for index in 0...bytes.count where index == bytes.count || bytes[index] == 0x0A || bytes[index] == 0 {
      output += redactLine(Array(bytes[start..<index]), remaining: &remaining)
      if index < bytes.count { output.append(bytes[index]) }
      start = index + 1
    }
    return output
  }

  private func redactLine(_ line: [UInt8], remaining: inout Int) -> [UInt8] {
    var current = line
    for expression in expressions {
      current = Self.replaceMatches(of: expression, in: current, remaining: &remaining)
    }
    return current
  }

  /// `line` with every match of `expression` replaced, left to right.
  private static func replaceMatches(of expression: LinearPattern, in line: [UInt8], remaining: inout Int) -> [UInt8] {
    let allowed = min(stepsPerByte * (line.count + 1) * expression.program.count, max(remaining, 0))
    var budget = allowed
    defer { remaining -= allowed - max(budget, 0) }
    if allowed == 0 { return replacement }
    return line.withUnsafeBufferPointer { bytes in
      var result: [UInt8] = []
      var offset = 0
      while offset <= bytes.count {
        guard let found = expression.firstMatch(in: bytes, from: offset, budget: &budget) else { break }
        // Out of budget: the rest of the line is hidden, not searched further.
        if budget < 0 { return result + replacement }
        result += bytes[offset..<found.lowerBound]
        result += replacement
        if found.isEmpty {
          if found.lowerBound < bytes.count { result.append(bytes[found.lowerBound]) }
          offset = found.lowerBound + 1
        } else {
          offset = found.upperBound
        }
      }
      if offset < bytes.count { result += bytes[offset...] }
      return result
    }
  }
}
