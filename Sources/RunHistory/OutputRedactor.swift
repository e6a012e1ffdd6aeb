#if canImport(Glibc)
  import Glibc
#endif

/// Replaces every match of the `--redact` expressions in captured output with
/// `<redacted>` before it is stored. Matching is per line (lines split at
/// newline and NUL), with POSIX extended regular expressions.
public final class OutputRedactor: @unchecked Sendable {
  /// What a match becomes.
  public static let replacement = Array("<redacted>".utf8)

  /// The expressions as given.
  public let sources: [String]
  private let compiled: [UnsafeMutablePointer<regex_t>]

  /// An expression that does not compile.
  public struct InvalidExpression: Error, CustomStringConvertible {
    public let expression: String
    public let reason: String
    public var description: String { "invalid --redact expression '\(expression)': \(reason)" }
  }

  /// Compiles `expressions`.
  public init(_ expressions: [String]) throws {
    var compiled: [UnsafeMutablePointer<regex_t>] = []
    for expression in expressions {
      let pointer = UnsafeMutablePointer<regex_t>.allocate(capacity: 1)
      let status = regcomp(pointer, expression, REG_EXTENDED)
      if status != 0 {
        var message = [CChar](repeating: 0, count: 256)
        regerror(status, pointer, &message, message.count)
        pointer.deallocate()
        for done in compiled {
          regfree(done)
          done.deallocate()
        }
        let text = message.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }
        throw InvalidExpression(expression: expression, reason: String(decoding: text, as: UTF8.self))
      }
      compiled.append(pointer)
    }
    self.sources = expressions
    self.compiled = compiled
  }

  deinit {
    for pointer in compiled {
      regfree(pointer)
      pointer.deallocate()
    }
  }

  /// Reads patterns from a file: one per line; blank lines and lines starting
  /// with `#` are skipped.
  public static func patterns(fromFile path: String) -> [String]? {
    guard let (bytes, _) = FileContents.read(path, limit: 1 << 20) else { return nil }
    return String(decoding: bytes, as: UTF8.self).split(separator: "\n").map(String.init)
      .filter { !$0.isEmpty && !$0.hasPrefix("#") }
  }

  /// `bytes` with every match replaced.
  public func redact(_ bytes: [UInt8]) -> [UInt8] {
    guard !compiled.isEmpty, !bytes.isEmpty else { return bytes }
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
    for expression in compiled {
      var result: [UInt8] = []
      var offset = 0
      var match = regmatch_t()
      while offset <= current.count {
        let rest = Array(current[offset...]) + [0]
        let found = rest.withUnsafeBufferPointer { buffer in
          buffer.baseAddress!.withMemoryRebound(to: CChar.self, capacity: buffer.count) {
            regexec(expression, $0, 1, &match, offset == 0 ? 0 : REG_NOTBOL)
          }
        }
        guard found == 0, match.rm_so >= 0 else { break }
        let matchStart = offset + Int(match.rm_so)
        let matchEnd = offset + Int(match.rm_eo)
        result += current[offset..<matchStart]
        result += Self.replacement
        if matchEnd == matchStart {
          // An empty match: keep one byte and go on, so the loop ends.
          if matchStart < current.count { result.append(current[matchStart]) }
          offset = matchStart + 1
        } else {
          offset = matchEnd
        }
      }
      if offset < current.count { result += current[offset...] }
      current = result
    }
    return current
  }
}
