import Foundation
import TestSupport
import Testing

/// The example base directory that README's first command refreshes.
@Suite struct ExampleTests {
  @Test func theExampleBaseDirectoryRefreshesCleanly() {
    let scratch = TemporaryDirectory("orc-example")
    let result = runCommand(
      Binaries.ours,
      ["--base-dir", Binaries.packageRoot + "/examples/base", "--lockfile", scratch.url("lock")],
      environment: Binaries.environment(
        database: scratch.url("history.sqlite"), ["CONFIG_ROOT": scratch.url("config")]))
    #expect(result.status == 0, "\(result.stderr)")
    #expect(
      result.stdoutText == """
        pre-configure: quiescing services on example-node
        configure: wrote \(scratch.url("config"))/site.conf (metadata: none)
        configure: \(scratch.url("config"))/site.conf checked
        post-configure: services on example-node restarted
        migration: nothing to migrate

        """)
  }

  /// README's first command, as a newcomer runs it (its build step aside,
  /// its leading VARIABLE=value words given to the environment as a shell
  /// would): the run is recorded where its next command, `history`, reads
  /// it, and the example writes nowhere else. Its `.build/example` is this
  /// test's temporary directory.
  @Test func theReadmesQuickStartRecordsTheRunItsNextCommandShows() throws {
    let readme = try String(contentsOfFile: Binaries.packageRoot + "/README.md", encoding: .utf8)
    let build = "swift build -c release && "
    let first = try #require(readme.split(separator: "\n").first { $0.hasPrefix(build) })
    let scratch = TemporaryDirectory("orc-quick-start")
    func local(_ word: Substring) -> String {
      String(word)
        .replacingOccurrences(of: ".build/release/os-refresh-config", with: Binaries.ours)
        .replacingOccurrences(of: ".build/example", with: scratch.url("example"))
        .replacingOccurrences(of: "examples/base", with: Binaries.packageRoot + "/examples/base")
    }
    var words = first.dropFirst(build.count).split(separator: " ").map(local)
    var environment = ["PATH": "/usr/bin:/bin"]
    while let word = words.first, let equals = word.firstIndex(of: "="),
      word[..<equals].allSatisfy({ $0.isUppercase || $0 == "_" })
    {
      environment[String(word[..<equals])] = String(word[word.index(after: equals)...])
      words.removeFirst()
    }
    #expect(environment["CONFIG_ROOT"] == scratch.url("example/etc"), "the example writes inside .build/example")
    let run = runCommand(words[0], Array(words.dropFirst()), environment: environment)
    #expect(run.status == 0, "\(run.stderr)")
    #expect(!run.stderr.contains("WARNING"), "\(run.stderr)")
    let next = try #require(
      readme.firstRange(of: "`.build/release/os-refresh-config history --db .build/example/history.sqlite`"))
    let history = readme[next].dropFirst().dropLast().split(separator: " ").map(local)
    let shown = runCommand(history[0], Array(history.dropFirst()), environment: environment)
    #expect(shown.status == 0, "\(shown.stderr)")
    #expect(shown.stdoutText.contains("success  5/5"), "\(shown.stdoutText)")
    #expect(FileManager.default.fileExists(atPath: scratch.url("example/os-refresh-config.prom")))
    #expect(FileManager.default.fileExists(atPath: scratch.url("example/etc/site.conf")))
  }
}
