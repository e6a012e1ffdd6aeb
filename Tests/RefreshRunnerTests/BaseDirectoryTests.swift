import TestSupport
import Testing

@testable import RefreshRunner

@Suite struct BaseDirectoryTests {
  func resolve(option: String? = nil, environment: [String: String] = [:], existing: Set<String>) -> BaseDirectory {
    BaseDirectory.resolve(
      option: option, environment: environment, defaultPath: "/new", deprecatedPath: "/old",
      isDirectory: { existing.contains($0) })
  }

  @Test func theOptionWinsOverTheEnvironmentAndTheDefaults() {
    let chosen = resolve(option: "/flag", environment: ["OS_REFRESH_CONFIG_BASE_DIR": "/env"], existing: ["/old"])
    #expect(chosen == BaseDirectory(path: "/flag", isDeprecated: false))
  }

  @Test func theEnvironmentWinsOverTheDefaultsEvenWhenEmpty() {
    #expect(resolve(environment: ["OS_REFRESH_CONFIG_BASE_DIR": "/env"], existing: []).path == "/env")
    #expect(resolve(environment: ["OS_REFRESH_CONFIG_BASE_DIR": ""], existing: ["/old"]).path == "")
  }

  @Test func theDeprecatedDirectoryIsUsedOnlyWhenTheNewOneIsMissing() {
    #expect(resolve(existing: ["/old"]) == BaseDirectory(path: "/old", isDeprecated: true))
    #expect(resolve(existing: ["/old", "/new"]) == BaseDirectory(path: "/new", isDeprecated: false))
    #expect(resolve(existing: []) == BaseDirectory(path: "/new", isDeprecated: false))
  }
}
