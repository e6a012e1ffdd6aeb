import Foundation
import RefreshVocabulary
import TestSupport
import Testing

/// Where scripts' stdout and stderr go: one channel when ours are one file,
/// socket or terminal, so the order written survives; a pseudo-terminal when
/// ours is a terminal. Side by side with the reference, then in the history.
@Suite struct OutputChannelTests {
  /// 30 stdout and 30 stderr lines, alternating, then a `set -x` script.
  static func build(_ base: TemporaryDirectory) {
    base.script(
      "configure.d/10-alternate", #"i=10; while [ $i -lt 40 ]; do echo "o$i"; echo "e$i" >&2; i=$((i+1)); done"#)
    base.write("configure.d/20-trace", "#!/bin/bash\nset -x\necho configuring\necho done\n", mode: 0o755)
  }

  static let expected =
    (10..<40).flatMap { ["o\($0)", "e\($0)"] } + ["+ echo configuring", "configuring", "+ echo done", "done"]

  /// The lines scripts wrote, without the runners' own log lines.
  static func scriptLines(_ text: String) -> [String] {
    text.replacingOccurrences(of: "\r\n", with: "\n").split(separator: "\n").map(String.init).filter {
      $0.wholeMatch(of: #/[oe]\d\d|\+ echo \w+|configuring|done/#) != nil
    }
  }

  @Test func oneDestinationGetsTheOrderWrittenInTwentyRunsAsUnderTheReference() throws {
    for attempt in 1...20 {
      let run = try SideBySide.run(combinedOutput: true, build: Self.build)
      #expect(run.ours.status == 0 && run.reference.status == 0, "run \(attempt)")
      #expect(run.ours.stderr.isEmpty && run.reference.stderr.isEmpty)
      #expect(Self.scriptLines(run.oursStdout) == Self.expected, "ours, run \(attempt)")
      #expect(Self.scriptLines(run.referenceStdout) == Self.expected, "reference, run \(attempt)")
    }
  }

  @Test func separateDestinationsKeepSeparateStreams() throws {
    let run = try SideBySide.run(build: Self.build)
    let stdout = Self.expected.filter { $0.hasPrefix("o") || $0 == "configuring" || $0 == "done" }
    #expect(Self.scriptLines(run.oursStdout) == stdout)
    #expect(Self.scriptLines(run.referenceStdout) == stdout)
    let stderr = Self.expected.filter { $0.hasPrefix("e") || $0.hasPrefix("+") }
    #expect(Self.scriptLines(run.ours.stderr) == stderr)
    #expect(Self.scriptLines(run.reference.stderr) == stderr)
  }

  @Test func onATerminalScriptsGetOneWithOurWindowAndBytesUnchanged() throws {
    let run = try SideBySide.run(terminal: true) { base in
      base.script(
        "configure.d/10-terminal",
        #"""
        for fd in 0 1 2; do if [ -t $fd ]; then echo "fd$fd terminal"; else echo "fd$fd not"; fi; done
        stty size <&2; printf 'raw\tbytes\n'
        """#)
    }
    #expect(run.ours.status == 0 && run.reference.status == 0)
    let lines = { (text: String) in
      text.split(separator: "\r\n").map(String.init).filter {
        $0.hasPrefix("fd") || $0.hasPrefix("33") || $0.hasPrefix("raw")
      }
    }
    let expected = ["fd0 terminal", "fd1 terminal", "fd2 terminal", "33 120", "raw\tbytes"]
    #expect(lines(run.oursStdout) == expected, "\(run.oursStdout)")
    #expect(lines(run.referenceStdout) == expected)
    // One CR LF per line, as the reference: no second translation on our side.
    #expect(!run.oursStdout.contains("\r\r"))
  }

  @Test func aScriptSeesOurWindowChangeAsUnderTheReference() throws {
    // The script waits (5 s at most) for the outer terminal to shrink and
    // for its own terminal to follow; `script` resizes it from a background
    // shell once the script is running.
    let run = try SideBySide.run(
      ["--log-level", "ERROR"], environment: ["MARKS": "$BASE"], terminal: true,
      resize: (after: "ready", rows: 20, columns: 90)
    ) { base in
      base.script(
        "configure.d/10-window",
        #"""
        stty size <&2; touch "$MARKS/ready"; i=0
        while [ "$(stty size <&2)" != "20 90" ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i+1)); done
        stty size <&2
        """#)
    }
    #expect(run.ours.status == 0 && run.reference.status == 0)
    let sizes = { (text: String) in text.split(separator: "\r\n").filter { $0.wholeMatch(of: #/\d+ \d+/#) != nil } }
    #expect(sizes(run.oursStdout) == ["33 120", "20 90"], "\(run.oursStdout)")
    #expect(sizes(run.referenceStdout) == ["33 120", "20 90"])
  }

  @Test func theHistoryKeepsOneChannelAsOneStreamAndSaysSo() throws {
    let fixture = HistoryFixture()
    Self.build(fixture.base)
    fixture.base.script("configure.d/30-fails", "echo to-out; echo to-err >&2; exit 3")
    let result = fixture.refresh(combinedOutput: true)
    #expect(result.status == 1)
    let scripts = try fixture.show().phases.flatMap(\.scripts)
    #expect(scripts.map(\.streams) == ["combined", "combined", "combined"])
    #expect(scripts.allSatisfy { !$0.terminal && $0.stderr.bytes == 0 })
    #expect(Self.scriptLines(scripts[0].stdout.text + scripts[1].stdout.text) == Self.expected)
    let output = fixture.history(["output", "latest", "configure/30-fails", "--stderr"])
    #expect(output.status == 0)
    #expect(output.stdoutText == "to-out\nto-err\n")
    #expect(
      output.stderr
        == "os-refresh-config: note: configure/30-fails wrote stdout and stderr to one channel (ours were one file, socket or terminal); both follow, in the order written\n"
    )
    let show = fixture.history(["show", "latest"])
    #expect(
      show.stdoutText.contains("Output of configure/30-fails (stdout and stderr, 14 B)\n  | to-out\n  | to-err\n"))
  }

  @Test func toDevNullTheHistoryStillKeepsTheStreamsApart() throws {
    let fixture = HistoryFixture()
    fixture.base.script("configure.d/10-both", "echo out; echo err >&2")
    let result = runCommand(
      "/bin/sh",
      ["-c", "'\(Binaries.ours)' --base-dir '\(fixture.base.path)' --lockfile '\(fixture.lock)' >/dev/null 2>&1"],
      environment: Binaries.environment(database: fixture.database))
    #expect(result.status == 0)
    let script = try #require(try fixture.show().phases.flatMap(\.scripts).first)
    #expect(script.streams == "separate")
    #expect(script.stdout.text == "out\n" && script.stderr.text == "err\n")
  }

  /// Our stdout a pipe to a reader (the journal's case): the kernel
  /// duplicates the bytes into it (tee(2)); what the reader gets and what
  /// the history keeps are the script's bytes exactly.
  @Test func throughAPipeToAReaderEveryByteArrivesAndIsCaptured() throws {
    let fixture = HistoryFixture()
    let expected = fixture.scratch.url("expected")
    fixture.base.script("configure.d/10-binary", "head -c 3000000 /dev/urandom | tee '\(expected)'")
    let received = fixture.scratch.url("received")
    let result = runCommand(
      "/bin/sh",
      [
        "-c",
        "'\(Binaries.ours)' --base-dir '\(fixture.base.path)' --lockfile '\(fixture.lock)' --max-output 65536 "
          + "2>/dev/null | cat > '\(received)'",
      ],
      environment: Binaries.environment(database: fixture.database))
    #expect(result.status == 0)
    let sent = try #require(FileManager.default.contents(atPath: expected))
    #expect(sent.count == 3_000_000)
    #expect(FileManager.default.contents(atPath: received) == sent, "the reader got every byte, in order")
    let raw = fixture.history(["output", "latest", "configure/10-binary"])
    #expect(raw.stdout == sent.prefix(65536) + sent.suffix(65536), "head and tail as written")
    let script = try #require(try fixture.show().scripts.first)
    #expect(script.stdout.bytes == 3_000_000 && script.stdout.truncated)
  }
}
