import Foundation
import RefreshVocabulary
import TestSupport
import Testing

@testable import CommandLineSupport

@Suite struct TimeParserTests {
  @Test func instantsParseFromDatesZonesAndDurations() {
    #expect(TimeParser.parse("2026-11-24T10:00:00Z", now: 0) == 1_795_514_400_000_000)
    #expect(TimeParser.parse("2026-11-24T11:00:00+01:00", now: 0) == 1_795_514_400_000_000)
    #expect(TimeParser.parse("30m", now: 3_600_000_000) == 1_800_000_000)
    #expect(TimeParser.parse("2026-13-01", now: 0) == nil)
    #expect(TimeParser.parse("yesterday", now: 0) == nil)
    #expect(TimeParser.parse("\(TimeParser.maximumDurationSeconds + 1)s", now: 0) == nil)
  }
}

@Suite struct ByteSizeTests {
  @Test func sizesParseInBinaryUnitsAndOverflowIsRefused() {
    #expect(ByteSize.parse("1048576") == 1 << 20)
    #expect(ByteSize.parse("256M") == 256 << 20)
    #expect(ByteSize.parse("2g") == 2 << 30)
    #expect(ByteSize.parse("64MiB") == 64 << 20)
    #expect(ByteSize.parse("512KB") == 512 << 10)
    #expect(ByteSize.parse("1T") == 1 << 40)
    for bad in ["", "M", "1.5G", "-1", "1X", "9999999999T", "١٢M"] { #expect(ByteSize.parse(bad) == nil, "\(bad)") }
  }
}

/// The man page's ENVIRONMENT (generated from the help) names every
/// variable the code reads, and only those.
@Suite struct ManualEnvironmentTests {
  /// The names the sources read: `environment["NAME"]`, `dictionary["NAME"]`
  /// or any other dictionary subscripted by an upper-case literal, and `getenv("NAME")`.
  func variablesTheCodeReads() throws -> Set<String> {
    let sources = Binaries.packageRoot + "/Sources"
    var names = Set<String>()
    let enumerator = try #require(FileManager.default.enumerator(atPath: sources))
    let pattern = try Regex(#"(?:\w\[|getenv\()"([A-Z][A-Z0-9_]{2,})"[\])]"#)
    for case let file as String in enumerator where file.hasSuffix(".swift") {
      let text = try String(contentsOfFile: sources + "/" + file, encoding: .utf8)
      for match in text.matches(of: pattern) {
        if let name = match.output[1].substring { names.insert(String(name)) }
      }
    }
    return names
  }

  @Test func everyVariableTheCodeReadsIsDocumentedAndNoOther() throws {
    let documented = Set(CommandHelp.environmentVariables.map(\.name))
    let read = try variablesTheCodeReads()
    #expect(read.count >= 12, "the scan found \(read.sorted())")
    #expect(read.subtracting(documented).isEmpty, "read but not in the man page: \(read.subtracting(documented))")
    #expect(documented.subtracting(read).isEmpty, "documented but never read: \(documented.subtracting(read))")
  }

  @Test func theDiscussionListsEveryVariableAndDefaultFile() {
    for variable in CommandHelp.environmentVariables { #expect(CommandHelp.discussion.contains(variable.name + ", ")) }
    for file in CommandHelp.defaultFiles { #expect(CommandHelp.discussion.contains(file.path + " (")) }
  }
}

/// Input that is not UTF-8 would name another file once decoded: refused.
@Suite struct RawInputTests {
  @Test func anArgumentThatIsNotUTF8IsAUsageError() throws {
    let found = try #require(
      RawInput.problem(arguments: [Array("--base-dir".utf8), Array("/b".utf8) + [0xFF]], variables: []))
    #expect(found.message == #"argument 2 is not valid UTF-8 (/b\xff): paths and options must be UTF-8"#)
    #expect(found.status == .usage)
  }

  @Test func aPathVariableThatIsNotUTF8Fails() throws {
    let found = try #require(
      RawInput.problem(arguments: [], variables: [("OS_REFRESH_CONFIG_BASE_DIR", [0x2F, 0xC3, 0x28])]))
    #expect(
      found.message
        == #"OS_REFRESH_CONFIG_BASE_DIR is not valid UTF-8 (/\xc3(): paths must be UTF-8; nothing was run"#)
    #expect(found.status == .failure)
  }

  @Test func utf8PassesWhateverItSpells() {
    #expect(
      RawInput.problem(arguments: [Array("/srv/é/😀".utf8)], variables: [("RUN_PARTS_REGEX", Array("^a$".utf8))]) == nil)
  }
}

@Suite struct UsageErrorLineTests {
  let tree = UsageErrorLine.CommandTree(
    name: "os-refresh-config",
    subcommands: [
      .init(name: "refresh", subcommands: []),
      .init(
        name: "history", subcommands: [.init(name: "show", subcommands: []), .init(name: "prune", subcommands: [])]),
      .init(name: "status", subcommands: []),
    ])

  @Test func aMistypedSubcommandGetsASuggestionAndTheHelpOfWhereItWasTyped() {
    #expect(
      UsageErrorLine.text(message: "Unexpected argument 'histroy'", arguments: ["histroy"], root: tree)
        == "Unexpected argument 'histroy'; did you mean 'history'? (see 'os-refresh-config --help')")
    #expect(
      UsageErrorLine.text(message: "Unexpected argument 'shwo'", arguments: ["history", "shwo", "1"], root: tree)
        == "Unexpected argument 'shwo'; did you mean 'show'? (see 'os-refresh-config history --help')")
    #expect(
      UsageErrorLine.text(message: "Unexpected argument 'zzz'", arguments: ["zzz"], root: tree)
        == "Unexpected argument 'zzz' (see 'os-refresh-config --help')", "nothing close: no guess")
    #expect(UsageErrorLine.closest(to: "stat", among: ["status", "state"]) == "state")
    #expect(UsageErrorLine.closest(to: "sta", among: ["stab", "stat"]) == nil, "two as close: no guess")
  }

  @Test func ourOwnMessageForAValueReplacesTheParsersPreamble() {
    let parser = "The value '5x' is invalid for '--older-than <duration>': --older-than takes a duration, not '5x'"
    #expect(
      UsageErrorLine.text(message: parser, arguments: ["history", "prune", "--older-than", "5x"], root: tree)
        == "--older-than takes a duration, not '5x' (see 'os-refresh-config history prune --help')")
    let foreign = "The value 'x' is invalid for '--count <n>': not a number"
    #expect(UsageErrorLine.ownMessage(in: foreign) == foreign, "kept whole when ours does not name the option")
  }
}

@Suite struct TypedArgumentTests {
  @Test func sizesDurationsAndInstantsAreParsedOnceAndRefusedInOneLine() throws {
    #expect(try DatabaseBudget(parsing: "0").bytes == 0)
    #expect(try DatabaseBudget(parsing: "2G").bytes == 2 << 30)
    #expect(DatabaseBudget.standard.bytes == 256 << 20 && DatabaseBudget.standard.description == "256M")
    #expect(throws: OptionRange.OutOfRange.self) { try DatabaseBudget(parsing: "512K") }
    #expect(try AgeArgument(parsing: "2w", option: "--older-than").before(1_209_600_000_001) == 1)
    #expect(try AgeArgument(parsing: "1d", option: "--older-than").before(5) == 0, "never before 1970")
    #expect(try InstantArgument(parsing: "30m", option: "--since", now: 3_600_000_000).microseconds == 1_800_000_000)
    do {
      _ = try InstantArgument(parsing: "yesterday", option: "--since")
      Issue.record("yesterday was taken")
    } catch {
      #expect(error.description.hasPrefix("--since takes "))
    }
  }
}
