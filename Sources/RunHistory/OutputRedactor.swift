import SystemInterface

/// Replaces every match of the `--redact` expressions in captured output with
/// `<redacted>` before it is stored. Matching is per line (lines split at
/// newline and NUL), with POSIX extended regular expressions.
public final class OutputRedactor: Sendable {
  /// What a match becomes.
  public static let replacement = Array("<redacted>".utf8)

  /// The expressions as given.
  public var sources: [String] { expressions.map(\.source) }
  private let expressions: [RegularExpression]

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
      self.expressions = try expressions.map { source throws(RegularExpression.Invalid) in
        let expression = try RegularExpression(source)
        // One that matches nothing at all would put <redacted> between every byte.
        if expression.matches("") {
          throw RegularExpression.Invalid(source: source, reason: "it matches the empty string")
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
    var output: [UInt8] = []
    output.reserveCapacity(bytes.count)
    var start = 0
    for index in 0...bytes.count where index == bytes.count || bytes[index] == 0x0A || bytes[index] == 0 {
      output += redactLine(Array(bytes[start..<index]))
      if index < bytes.count { output.append(bytes[index]) }
      start = index + 1
    }
    return output
  }

  private func redactLine(_ line: [UInt8]) -> [UInt8] {
    var current = line
    for expression in expressions {
      current = Self.replaceMatches(of: expression, in: current)
    }
    return current
  }

  /// `line` with every match of `expression` replaced, left to right.
  private static func replaceMatches(of expression: RegularExpression, in line: [UInt8]) -> [UInt8] {
    var result: [UInt8] = []
    var offset = 0
    while offset <= line.count {
      let rest = Array(line[offset...]) + [0]
      let found = rest.withUnsafeBufferPointer { buffer in
        buffer.baseAddress!.withMemoryRebound(to: CChar.self, capacity: buffer.count) {
          expression.firstMatch(in: $0, notAtLineStart: offset != 0)
        }
      }
      guard let found else { break }
      let matchStart = offset + found.lowerBound
      let matchEnd = offset + found.upperBound
      result += line[offset..<matchStart]
      result += replacement
      if matchEnd == matchStart {
        // An empty match: keep one byte and go on, so the loop ends.
        if matchStart < line.count { result.append(line[matchStart]) }
        offset = matchStart + 1
      } else {
        offset = matchEnd
      }
    }
    if offset < line.count { result += line[offset...] }
    return result
  }
}
