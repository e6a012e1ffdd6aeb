import Testing

@testable import RunViews

/// Durations, times and columns as people read them.
@Suite struct HumanFormatTests {
  @Test func durationsAndTimesReadWell() {
    #expect(HumanFormat.duration(microseconds: 412_000) == "0.41s")
    #expect(HumanFormat.duration(microseconds: 12_345_000) == "12.3s")
    #expect(HumanFormat.duration(microseconds: 63_200_000) == "1m03.2s")
    #expect(HumanFormat.duration(microseconds: 7_500_000_000) == "2h05m")
    #expect(HumanFormat.duration(microseconds: nil) == "-")
    #expect(HumanFormat.fitted("abcdef", columns: 4) == "abc…")
  }

  @Test func bytesReadInBinaryUnits() {
    #expect(HumanFormat.bytes(12) == "12 B")
    #expect(HumanFormat.bytes(3_482) == "3.4 KiB")
    #expect(HumanFormat.bytes(1_258_291) == "1.2 MiB")
  }

  @Test func tablesPadEveryColumnButTheLast() {
    #expect(HumanFormat.table([["A", "BB", "C"], ["aaa", "b", ""]], columns: nil) == ["A    BB  C", "aaa  b"])
  }
}

/// Commands a view suggests repeat the selectors they were given, quoted
/// for a shell, so pasting one asks the same history.
@Suite struct CommandHintTests {
  @Test func aHintCarriesTheDatabaseQuotedForAShell() {
    #expect(CommandHint().command("why 8") == "os-refresh-config why 8")
    #expect(CommandHint(database: "/srv/h.sqlite").command("why 8") == "os-refresh-config why 8 --db /srv/h.sqlite")
    #expect(
      CommandHint(database: "/tmp/my db's/h").command("diff 3 4")
        == #"os-refresh-config diff 3 4 --db '/tmp/my db'\''s/h'"#)
    #expect(CommandHint(database: "$(reboot)").command("why") == "os-refresh-config why --db '$(reboot)'")
    #expect(!CommandHint(database: "a\u{1B}[2Jb").command("why").contains("\u{1B}"), "never drives the terminal")
  }
}
