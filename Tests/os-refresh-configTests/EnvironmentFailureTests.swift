import Foundation
import RefreshVocabulary
import TestSupport
import Testing

/// A failing environment.d file is in the history: which file, how it ended
/// and what its shell said (secrets hidden), in `history show` and `diff`.
@Suite struct EnvironmentFailureTests {
  let fixture = HistoryFixture()

  func diff(_ arguments: [String]) -> CommandResult {
    runCommand(
      Binaries.ours, ["diff"] + arguments + ["--db", fixture.database],
      environment: Binaries.environment(database: fixture.database))
  }

  @Test func theFailingFileItsStatusAndItsStderrAreRecorded() throws {
    let file = fixture.base.write(
      "environment.d/20-broken", "echo 'loading site settings' >&2\necho 'token TOKEN-77' >&2\nfalse\n")
    fixture.base.write("environment.d/10-fine", "export FINE=1\n")
    fixture.base.script("configure.d/10-never", "echo never")
    let result = fixture.refresh(["--redact", "TOKEN-[0-9]+"])
    #expect(result.status == 1)
    #expect(result.stderr.contains("token TOKEN-77\n"), "the console still gets it all")
    let run = try fixture.show()
    let configure = try #require(run.phases.first { $0.name == .configure })
    #expect(configure.status == .failed)
    let failure = try #require(configure.environmentFailure)
    #expect(failure.file == file && failure.exitCode == 1 && failure.signal == nil && failure.streams == "stderr")
    #expect(failure.output == "loading site settings\ntoken <redacted>\n")
    #expect(run.phases.filter { $0.name != .configure }.allSatisfy { $0.environmentFailure == nil })
    let text = fixture.history(["show", "latest"]).stdoutText
    #expect(text.contains("    environment.d file \(file) (exit 1)  failed"), "\(text)")
    #expect(
      text.contains(
        "Output of environment.d for configure (stderr, last bytes kept)\n  | loading site settings\n  | token <redacted>\n"
      ))
    #expect(
      !text.contains("TOKEN-77") && !fixture.history(["show", "latest", "--json"]).stdoutText.contains("TOKEN-77"))
  }

  @Test func diffSaysWhenEnvironmentDStartedOrStoppedFailing() throws {
    fixture.base.write("environment.d/10-settings", "export SETTING=1\n")
    fixture.base.script("configure.d/10-apply", "echo applied")
    #expect(fixture.refresh().status == 0)
    let file = fixture.base.write("environment.d/10-settings", "export SETTING=\"$NOT_DEFINED_ANYWHERE\"\n")
    #expect(fixture.refresh().status == 1)
    let text = diff(["1", "2"])
    #expect(text.status == 0)
    #expect(
      text.stdoutText.contains("Environment\n  configure: sourced -> failed in environment.d file \(file) (exit 1)\n"))
    let json = try JSONContract.decode(JSONContract.Diff.self, from: diff(["1", "2", "--json"]).stdout)
    #expect(json.environmentFailures.map(\.phase) == [.configure])
    #expect(json.environmentFailures.first?.change == "added")
    #expect(json.environmentFailures.first?.from == nil)
    #expect(json.environmentFailures.first?.to?.file == file)
    #expect(json.environmentFailures.first?.to?.output.contains("NOT_DEFINED_ANYWHERE: unbound variable") == true)
    let back = diff(["2", "1"]).stdoutText
    #expect(back.contains("  configure: failed in environment.d file \(file) (exit 1) -> sourced\n"))
  }

  @Test func aTerminalRunRecordsOneChannelOnAPseudoTerminal() throws {
    fixture.base.script("configure.d/10-tty", "[ -t 1 ] && echo tty")
    let line = [
      Binaries.ours, "--base-dir", fixture.base.path, "--lockfile", fixture.lock, "--db", fixture.database,
    ].map { "'\($0)'" }.joined(separator: " ")
    let result = runCommand(
      "/usr/bin/script", ["-qefc", line, "/dev/null"], environment: Binaries.environment(database: fixture.database))
    #expect(result.status == 0)
    let script = try #require(try fixture.show().phases.flatMap(\.scripts).first)
    #expect(script.terminal && script.streams == "combined")
    #expect(script.stdout.text == "tty\n", "raw: no CR added")
  }
}
