import Foundation
import SystemInterface
import Testing

@testable import SecretHiding

/// The linear-time matcher behind --redact: the same matches as the C
/// library's POSIX matcher, in time bounded by the text, and refusals for
/// what cannot be matched so.
@Suite struct LinearPatternTests {
  /// The first match by glibc's regexec (POSIX leftmost-longest), as a byte range.
  func posixMatch(_ pattern: String, _ text: String) throws -> Range<Int>? {
    let expression = try RegularExpression(pattern)
    return text.withCString { expression.firstMatch(in: $0, notAtLineStart: false) }
  }

  func linearMatch(_ pattern: String, _ text: String) throws -> Range<Int>? {
    let expression = try LinearPattern(pattern)
    return Array(text.utf8).withUnsafeBufferPointer { expression.firstMatch(in: $0, from: 0, budget: nil) }
  }

  @Test(arguments: [
    ("a", "xxaxx"), ("a+", "baaab"), ("a*", "bbb"), ("ab|abc", "xabcx"), ("(a|ab)(c|bcd)", "abcd"),
    ("x*y+z?", "xxyyzz"), ("[0-9]+", "id=4711;"), ("[^ ]+", "  word  "), ("^ab", "ab ab"), ("ab$", "ab ab"),
    ("a{2,3}", "aaaa"), ("a{2}", "a aa"), ("(ab){1,}c", "ababc"), ("password=[^ ]*", "login password=hunter2 ok"),
    ("[[:digit:]]+", "x12y"), ("[[:alpha:]_][[:alnum:]_]*", "9 abc_1"), ("a.c", "a\u{1}c"), ("(a*)(b|abc)", "abc"),
    ("(wee|week)(knights|night)", "weeknights"), ("[a-c]+", "xxbcaz"), ("\\.", "a.b"), ("x|", "abc"),
  ])
  func matchesWhatThePOSIXMatcherMatches(pattern: String, text: String) throws {
    #expect(try linearMatch(pattern, text) == posixMatch(pattern, text), "\(pattern) on \(text)")
  }

  @Test func agreesWithThePOSIXMatcherOnRandomExpressions() throws {
    var generator = SystemRandomNumberGenerator()
    let atoms = ["a", "b", "c", ".", "[ab]", "[^a]", "(a|b)", "(ab|a)", "(b*)"]
    let quantifiers = ["", "", "*", "+", "?", "{1,2}"]
    for _ in 0..<2000 {
      let pattern = (0..<Int.random(in: 1...4, using: &generator)).map { _ in
        atoms.randomElement(using: &generator)! + quantifiers.randomElement(using: &generator)!
      }.joined()
      let text = String(
        (0..<Int.random(in: 0...12, using: &generator)).map { _ in "abcx".randomElement(using: &generator)! })
      let expected = try posixMatch(pattern, text)
      let found = try linearMatch(pattern, text)
      #expect(found == expected, "\(pattern) on '\(text)'")
      if found != expected { break }
    }
  }

  @Test func whatCannotBeMatchedInLinearTimeIsRefused() {
    for (pattern, reason) in [
      ("(a*)*\\1b", "back-references (\\1) cannot be matched in linear time"),
      ("a{1000}", "a repetition count over 255"),
      ("(", "unmatched ("), ("*a", "nothing to repeat before *"), ("\\d+", "\\d has no meaning here"),
      ("((a{255}){255}){255}", "too large once repetitions are expanded"),
    ] {
      #expect(throws: LinearPattern.Invalid.self, "\(pattern)") { _ = try LinearPattern(pattern) }
      do {
        _ = try LinearPattern(pattern)
      } catch {
        #expect(error.reason.hasPrefix(reason), "\(pattern): \(error.reason)")
      }
    }
  }

  /// Bounded in VM steps, not seconds: what a debug build on a loaded
  /// machine takes says nothing, the count says the same everywhere.
  @Test func pathologicalExpressionsFinishInBoundedSteps() throws {
    let line = [UInt8](repeating: UInt8(ascii: "a"), count: 64 * 1024)
    for pattern in ["(a+)+b", "(a|aa)*b", "(a*)*b", "(a|a)*c", "x|x.*y"] {
      let redactor = try OutputRedactor([pattern])
      var steps = 0
      let hidden = redactor.ranges(in: line, stepsTaken: &steps)
      #expect(steps > 0 && steps <= OutputRedactor.maximumSteps, "\(pattern): \(steps) steps")
      // Linear: a few steps per byte and instruction, far below the budget.
      let program = try LinearPattern(pattern).program.count
      #expect(steps <= OutputRedactor.stepsPerByte * (line.count + 1) * program, "\(pattern): \(steps) steps")
      let result = redactor.redact(line)
      #expect(result == line || result.count < line.count, "\(pattern): matched or untouched, never grown")
      #expect(hidden.isEmpty == (result == line), "\(pattern)")
    }
    // A search that would cost more than its budget hides the rest of the line.
    let xs = [UInt8](repeating: UInt8(ascii: "x"), count: 20_000)
    let hidden = try OutputRedactor(["x|x.*y"]).redact(xs)
    #expect(hidden.count < xs.count)
    #expect(hidden.suffix(10) == Array("<redacted>".utf8))
  }

  /// A redaction asked to stop gives up within one slice of work and hides
  /// the rest whole: a count, whatever the machine's speed.
  @Test func aRedactionAskedToStopGivesUpWithinOneSliceAndHidesTheRest() throws {
    let line = [UInt8](repeating: UInt8(ascii: "a"), count: 1 << 20)
    let redactor = try OutputRedactor(["(a|aa)*b"])
    var unstopped = 0
    #expect(redactor.ranges(in: line, stepsTaken: &unstopped).isEmpty, "nothing matches")
    let program = try LinearPattern("(a|aa)*b").program.count
    for asksBeforeStop in [1, 3] {
      var asks = 0
      var steps = 0
      let hidden = redactor.ranges(in: line, stepsTaken: &steps) {
        asks += 1
        return asks >= asksBeforeStop
      }
      #expect(asks == asksBeforeStop)
      #expect(steps <= (asksBeforeStop - 1) * SearchBudget.slice + program, "\(steps) steps")
      #expect(steps < unstopped / 10, "\(steps) of \(unstopped) steps")
      #expect(hidden == [0..<line.count], "the rest of the line, failing closed")
    }
    // Later lines are hidden whole once stopped, never searched.
    let lines = Array("secret one\nsecret two\n".utf8)
    var steps = 0
    let hidden = redactor.ranges(in: lines, stepsTaken: &steps) { true }
    #expect(OutputRedactor.replacing(hidden, of: lines, in: 0..<lines.count) == Array("<redacted>\n<redacted>\n".utf8))
  }

  /// Lines are split at newline and NUL, as before memchr did it.
  @Test func linesAreSplitAtNewlineAndNul() {
    func lines(_ text: String) -> [Range<Int>] {
      Array(text.utf8).withUnsafeBufferPointer { buffer in
        var breaks = LineBreaks(buffer)
        var found: [Range<Int>] = []
        while let line = breaks.next() { found.append(line) }
        return found
      }
    }
    #expect(lines("ab\ncd") == [0..<2, 3..<5])
    #expect(lines("ab\n") == [0..<2, 3..<3])
    #expect(lines("a\0\n\nb\0") == [0..<1, 4..<5, 6..<6])
    #expect(lines("\n") == [1..<1])
  }
}
