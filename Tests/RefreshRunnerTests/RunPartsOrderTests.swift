import Foundation
import TestSupport
import Testing

@testable import RefreshRunner

@Suite struct RunPartsOrderTests {
  static let names = [
    "10-b", "9-a", "010-c", "abc", "100", "2_x", "-5", "-10", "UPPER-1", "0", "00", "-0", "1.5", "1.25",
    "10", "10-a", "1e3", " 7", "a-1", "_", "99999999999999999999", "99999999999999999998", "-", "",
  ]

  /// The order GNU `sort -n` gives in the C locale.
  func sortNumeric(_ names: [String]) throws -> [String] {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/sort")
    process.arguments = ["-n"]
    process.environment = ["LC_ALL": "C"]
    let input = Pipe()
    let output = Pipe()
    process.standardInput = input
    process.standardOutput = output
    try process.run()
    input.fileHandleForWriting.write(Data((names.joined(separator: "\n") + "\n").utf8))
    try input.fileHandleForWriting.close()
    let data = output.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return String(decoding: data, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
      .dropLast().map(String.init)
  }

  @Test func ordersNamesExactlyAsSortNumericInTheCLocale() throws {
    #expect(RunPartsOrder.sorted(Self.names) == (try sortNumeric(Self.names)))
  }

  @Test func leadingNumbersComeBeforeBytes() {
    #expect(RunPartsOrder.sorted(["10-b", "9-a", "10-a", "abc"]) == ["abc", "9-a", "10-a", "10-b"])
  }
}
