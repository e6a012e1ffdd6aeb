import TestSupport
import Testing

@testable import RefreshRunner

@Suite struct RunPartsPatternTests {
  @Test func theDefaultPatternTakesDibRunPartsNames() throws {
    let pattern = try RunPartsPattern.forEnvironment(["RUN_PARTS_REGEX": ""])
    #expect(pattern.source == RunPartsPattern.defaultScriptPattern)
    #expect(pattern.matches("10-neutron_ovs"))
    #expect(!pattern.matches("10-neutron.sh"))
    #expect(!pattern.matches(".hidden"))
  }

  @Test func anInvalidPatternIsAnErrorNamingIt() {
    #expect(throws: RunnerError.self) { try RunPartsPattern("[unclosed") }
    do {
      _ = try RunPartsPattern("(")
      Issue.record("compiled")
    } catch {
      #expect(error.description.hasPrefix("invalid RUN_PARTS_REGEX '(': "))
    }
  }
}
