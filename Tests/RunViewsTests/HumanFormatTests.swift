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
    #expect(TimeParser.parse("2026-11-24T10:00:00Z", now: 0) == 1_795_514_400_000_000)
    #expect(TimeParser.parse("2026-11-24T11:00:00+01:00", now: 0) == 1_795_514_400_000_000)
    #expect(TimeParser.parse("30m", now: 3_600_000_000) == 1_800_000_000)
    #expect(TimeParser.parse("2026-13-01", now: 0) == nil)
    #expect(TimeParser.parse("yesterday", now: 0) == nil)
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
