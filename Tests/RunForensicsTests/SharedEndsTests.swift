import TestSupport
import Testing

@testable import MetadataDocuments
@testable import RunForensics

/// Passing over what two texts share must change nothing: brackets paired
/// from the old text's shared ends are those the new text pairs itself, and
/// what is said equal is equal. Checked on texts edited at random, with a
/// fixed seed (the same cases every run).
@Suite struct SharedEndsTests {

  static func document(_ random: inout SplitMix64) -> [UInt8] {
    let items = (0..<Int.random(in: 1...40, using: &random)).map { index in
      #"{"name": "d\#(index)", "config": "echo \"a\\\"b\" [x] {y}\nand a long line of text to skip\n", "inputs": [{"name": "p", "value": \#(index)}]}"#
    }
    return Array((#"{"deployments": [\n "# + items.joined(separator: ",\n ") + "\n], \"tail\": {\"x\": [1, 2]}}").utf8)
  }

  static func edited(_ text: [UInt8], _ random: inout SplitMix64) -> [UInt8] {
    var text = text
    let pieces: [[UInt8]] = [
      Array("\"".utf8), Array("\\".utf8), Array("{".utf8), Array("]".utf8), Array(#"{"k": [1]}, "#.utf8),
      Array("7".utf8), [],
    ]
    for _ in 0..<Int.random(in: 1...3, using: &random) {
      let start = Int.random(in: 0..<text.count, using: &random)
      let end = min(text.count, start + Int.random(in: 0...8, using: &random))
      text.replaceSubrange(start..<end, with: pieces.randomElement(using: &random)!)
    }
    return text
  }

  /// Brackets paired a byte at a time, the plainest way: the oracle.
  static func pairedPlainly(_ bytes: [UInt8]) -> [Int: Int] {
    var (ends, open, index) = ([Int: Int](), [Int](), 0)
    while index < bytes.count {
      switch bytes[index] {
      case UInt8(ascii: "\""):
        index += 1
        while index < bytes.count && bytes[index] != UInt8(ascii: "\"") {
          index += bytes[index] == UInt8(ascii: "\\") ? 2 : 1
        }
      case UInt8(ascii: "{"), UInt8(ascii: "["): open.append(index)
      case UInt8(ascii: "}"), UInt8(ascii: "]"): if let start = open.popLast() { ends[start] = index + 1 }
      default: break
      }
      index += 1
    }
    return ends
  }

  @Test func bracketsPairedFromTheSharedEndsAreThoseTheTextPairsItself() {
    var random = SplitMix64(seed: 42)
    for _ in 0..<500 {
      let old = Self.document(&random)
      let new = Bool.random(using: &random) ? Self.edited(old, &random) : old
      let common = CommonEnds(old, new)
      #expect(common.prefix + common.suffix <= min(old.count, new.count))
      let (a, b) = JSONSkim.pair(old: old, new: new, common: common)
      #expect(a.containerEnds == Self.pairedPlainly(old))
      #expect(b.containerEnds == Self.pairedPlainly(new), "\(String(decoding: new, as: UTF8.self))")
      for _ in 0..<20 {
        let lower = Int.random(in: 0..<old.count, using: &random)
        let range = lower..<Int.random(in: lower...old.count, using: &random)
        let moved = (range.lowerBound + common.shift)..<(range.upperBound + common.shift)
        for other in [range, moved] where other.lowerBound >= 0 && other.upperBound <= new.count {
          if common.sameBytes(range, oldCount: old.count, other) { #expect(old[range] == new[other]) }
        }
      }
    }
  }

  /// Deployments as Heat lists them, some changed, added, removed or moved.
  static func deployments(_ random: inout SplitMix64, from old: [(name: String, value: Int)]? = nil)
    -> [(name: String, value: Int)]
  {
    guard var items = old else { return (0..<Int.random(in: 1...30, using: &random)).map { ("d\($0)", $0) } }
    for _ in 0..<Int.random(in: 1...3, using: &random) {
      let index = Int.random(in: 0..<items.count, using: &random)
      switch Int.random(in: 0..<4, using: &random) {
      case 0: items[index].value += 1000
      case 1: items.insert(("n\(Int.random(in: 0..<1000, using: &random))", 7), at: index)
      case 2 where items.count > 1: items.remove(at: index)
      default: items.swapAt(index, Int.random(in: 0..<items.count, using: &random))
      }
    }
    return items
  }

  static func text(_ items: [(name: String, value: Int)], indent: Bool) -> [UInt8] {
    let separator = indent ? ",\n  " : ","
    let body = items.map { #"{"name": "\#($0.name)", "inputs": [{"name": "port", "value": \#($0.value)}]}"# }
    return Array((#"{"deployments": ["# + body.joined(separator: separator) + #"], "stack": "s"}"#).utf8)
  }

  @Test func whatIsPassedOverNeverChangesWhatTheDiffFinds() {
    var random = SplitMix64(seed: 7)
    for _ in 0..<300 {
      let before = Self.deployments(&random)
      let after = Self.deployments(&random, from: before)
      let (old, new) = (Self.text(before, indent: true), Self.text(after, indent: true))
      let lazy = MetadataDiff.changes(fromText: old, toText: new, showSecrets: false, spans: .init())
      // The same documents written otherwise share other ends (or none).
      let whole = MetadataDiff.changes(
        fromText: Self.text(before, indent: false), toText: Array(" ".utf8) + Self.text(after, indent: false),
        showSecrets: false, spans: .init())
      #expect(lazy != nil && lazy == whole)
    }
  }

  @Test func secretWordsAreFoundWhereverTheTextsDiffer() {
    let old = Array(#"{"a": "plain", "b": [1, 2, 3], "c": "more plain text here"}"#.utf8)
    var new = old
    new.replaceSubrange(20..<21, with: Array("db_password".utf8))
    let naming = RunComparison.namesSecrets(old, new)
    #expect(!naming.old && naming.new)
    #expect(RunComparison.namesSecrets(new, old) == (true, false))
    #expect(RunComparison.namesSecrets(old, old) == (false, false))
  }
}
