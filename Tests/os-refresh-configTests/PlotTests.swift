import Foundation
import TestSupport
import Testing

/// `history plot`: a run as an SVG timeline.
@Suite struct PlotTests {
  /// The SVG of a 500-script run is valid XML and draws something in a
  /// real browser (headless Chromium, Debian's).
  @Test func aLargeRunPlotsAsValidSVGThatChromiumDraws() throws {
    let fixture = HistoryFixture()
    for index in 1...499 { fixture.base.script("configure.d/\(1000 + index)-step", "exit 0") }
    fixture.base.script("post-configure.d/50-restart", "echo failing >&2; exit 3")
    #expect(fixture.refresh().status == 1)
    let svg = fixture.scratch.url("run.svg")
    let plot = fixture.history(["plot", "latest", "--output", svg])
    #expect(plot.status == 0 && plot.stdoutText.isEmpty, "\(plot.stderr)")
    let text = try #require(fixture.scratch.read("run.svg"))
    #expect(text.components(separatedBy: "<rect").count - 1 >= 500 + 2)
    #expect(text.contains("✗ post-configure/50-restart: failed: exited 3"))
    #expect(!text.contains("<script") && !text.contains("href") && !text.contains("@import"))
    let lint = FleetTools.run("/usr/bin/xmllint", ["--noout", svg])
    #expect(lint.status == 0, "\(lint.stderr)")

    let browser = fixture.scratch.directory("chromium")
    let shot = fixture.scratch.url("run.png")
    let drawn = runCommand(
      "/usr/bin/chromium",
      [
        "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--user-data-dir=\(browser)/profile",
        "--window-size=1400,1000", "--screenshot=\(shot)", "file://\(svg)",
      ],
      environment: [
        "PATH": FleetTools.path, "HOME": browser, "XDG_CONFIG_HOME": browser, "XDG_CACHE_HOME": browser,
      ], seconds: 120)
    #expect(drawn.status == 0, "\(drawn.stderr)")
    let colours = FleetTools.run(Binaries.packageRoot + "/scripts/png-colours", [shot], seconds: 120)
    #expect(colours.status == 0, "\(colours.stderr)")
    #expect((Int(colours.stdoutText.trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0) > 10)
  }

  /// A small run on stdout: every script a bar, stored text escaped, and
  /// an unknown run refused in one line.
  @Test func aSmallRunPlotsToStdout() throws {
    let fixture = HistoryFixture()
    let base = fixture.scratch.directory("a<b>&c")
    fixture.scratch.script("a<b>&c/configure.d/10-a", "exit 0")
    #expect(fixture.refresh(["--base-dir", base]).status == 0)
    let plot = fixture.history(["plot", "latest"])
    #expect(plot.status == 0)
    #expect(plot.stdoutText.hasPrefix("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<svg xmlns="))
    #expect(plot.stdoutText.contains(">10-a (exit 0, "))
    #expect(plot.stdoutText.contains("/a&lt;b&gt;&amp;c · 1 script<"))
    let missing = fixture.history(["plot", "99"])
    #expect(missing.status == 1 && missing.stderrLines.count == 1, "\(missing.stderr)")
    // A FIFO with no reader is refused at once, never waited on; a
    // regular file is written, shorter than what it held.
    #expect(mkfifo(fixture.scratch.url("fifo"), 0o600) == 0)
    let fifo = fixture.history(["plot", "latest", "--output", fixture.scratch.url("fifo")], seconds: 20)
    #expect(fifo.status == 1)
    #expect(fifo.stderr == "os-refresh-config: error: open \(fixture.scratch.url("fifo")): not a regular file\n")
    fixture.scratch.write("plot.svg", String(repeating: "x", count: 1 << 20))
    #expect(fixture.history(["plot", "latest", "--output", fixture.scratch.url("plot.svg")]).status == 0)
    #expect(fixture.scratch.read("plot.svg") == plot.stdoutText)
  }
}
