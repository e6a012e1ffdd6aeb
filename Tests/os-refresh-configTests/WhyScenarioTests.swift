import Foundation
import RefreshVocabulary
import TestSupport
import Testing

/// `why` on real failure histories made by the binary, each with noise keys
/// changing in every run: the true cause must come first.
@Suite struct WhyScenarioTests {
  let node = WhyScenario()

  /// The first cause's kind and subject.
  func first(_ explanation: JSONContract.Why) -> String {
    JSONContract.causeLines(explanation).first ?? "none"
  }

  @Test func anEditedScriptIsTheCauseWithItsDiff() throws {
    node.base.script("configure.d/10-prep", "echo prepared")
    node.base.script("configure.d/20-app", "echo started")
    #expect(node.refresh() == 0 && node.refresh() == 0)
    node.base.script("configure.d/20-app", "echo 'cannot open /etc/app.conf' >&2; exit 2")
    #expect(node.refresh() == 1)
    let why = try node.explanation()
    #expect(first(why) == "script_changed configure/20-app", "\(why.causes)")
    #expect(why.script?.name == "20-app" && why.script?.exitCode == 2 && why.script?.status == .failed)
    #expect(why.lastGoodRun == 2 && why.firstBadRun == 3 && why.failingRuns == 1 && !why.neverSucceeded)
    #expect(why.causes.first?.diff?.contains("+echo 'cannot open /etc/app.conf' >&2; exit 2") == true)
    #expect(why.errorLines == ["cannot open /etc/app.conf"])
    // The human view: one screen, the failure, its window, its last line, the cause.
    let text = node.why().stdoutText
    let lines = text.split(separator: "\n").map(String.init)
    #expect(lines.count < 40)
    #expect(lines.first?.hasPrefix("Run 3 failed in configure/20-app (exit 2), ") == true, "\(text)")
    #expect(lines.dropFirst().first == "It last succeeded in run 2, and has not succeeded since run 3 (1 run).")
    #expect(lines.contains("  | cannot open /etc/app.conf"))
    #expect(lines.contains("  1. script configure/20-app: its content changed between run 2 and run 3"), "\(text)")
  }

  @Test func anEarlierScriptThatPreparesStateIsTheCause() throws {
    let state = node.scratch.url("state")
    node.base.script("configure.d/10-prep", "echo ready > \(state)")
    node.base.script("configure.d/20-app", "grep -q ready \(state) || { echo 'state not ready' >&2; exit 1; }")
    #expect(node.refresh() == 0 && node.refresh() == 0)
    node.base.script("configure.d/10-prep", "echo pending > \(state)")
    #expect(node.refresh() == 1)
    let why = try node.explanation()
    #expect(first(why) == "script_changed configure/10-prep", "\(why.causes)")
    #expect(why.causes.first?.direct == true)
  }

  @Test func aRemovedSetupScriptIsTheCause() throws {
    let state = node.scratch.url("prepared")
    node.base.script("pre-configure.d/10-setup", "touch \(state)")
    node.base.script("configure.d/20-app", "[ -e \(state) ] || { echo 'not set up' >&2; exit 1; }; rm \(state)")
    #expect(node.refresh() == 0 && node.refresh() == 0)
    try FileManager.default.removeItem(atPath: node.base.url("pre-configure.d/10-setup"))
    #expect(node.refresh() == 1)
    let why = try node.explanation()
    #expect(first(why) == "script_removed pre-configure/10-setup", "\(why.causes)")
  }

  @Test func aNewScriptThatNeverWorkedSaysSo() throws {
    node.base.script("configure.d/10-ok", "true")
    #expect(node.refresh() == 0 && node.refresh() == 0)
    node.base.script("configure.d/30-new", "echo 'no such service' >&2; exit 5")
    #expect(node.refresh() == 1 && node.refresh() == 1)
    let why = try node.explanation()
    #expect(first(why) == "script_added configure/30-new", "\(why.causes)")
    #expect(why.neverSucceeded && why.lastGoodRun == nil && why.firstBadRun == 3 && why.failingRuns == 2)
    #expect(node.why().stdoutText.contains("It has not succeeded since it first ran, in run 3 (2 runs)."))
    // Its content, as added lines.
    let diff = try #require(why.causes.first?.diff)
    #expect(diff.hasSuffix("@@ -0,0 +1,2 @@\n+#!/bin/sh\n+echo 'no such service' >&2; exit 5\n"), "\(diff)")
  }

  @Test func aChangedEnvironmentFileIsTheCause() throws {
    node.base.write("environment.d/10-site", "export APP_MODE=cluster\n")
    node.base.script("configure.d/20-app", #"[ "$APP_MODE" = cluster ] || { echo "mode $APP_MODE" >&2; exit 1; }"#)
    #expect(node.refresh() == 0 && node.refresh() == 0)
    node.base.write("environment.d/10-site", "export APP_MODE=standalone\n")
    #expect(node.refresh() == 1)
    let why = try node.explanation()
    #expect(first(why) == "environment_changed 10-site", "\(why.causes)")
  }

  @Test func aKeyReadThroughOsApplyConfigIsTheCause() throws {
    node.settings = ["port": "8080", "workers": "4"]
    node.base.script(
      "configure.d/20-app",
      "port=$(os-apply-config --key settings.port --type int) || exit 9\n"
        + #"[ "$port" -lt 9000 ] || { echo "cannot bind $port" >&2; exit 1; }"#)
    #expect(node.refresh() == 0 && node.refresh() == 0)
    (node.settings["port"], node.settings["workers"]) = ("9090", "8")
    #expect(node.refresh() == 1)
    let why = try node.explanation()
    #expect(first(why) == "input_key_changed settings.port", "\(why.causes)")
    #expect(why.causes.first?.evidence == "read by the script (os-apply-config --key settings.port): 8080 -> 9090")
    let workers = try #require(why.causes.first { $0.subject == "settings.workers" })
    #expect(!workers.direct)
  }

  @Test func aKeyAnEnvironmentFileReadsIntoTheScriptsEnvironmentIsTheCause() throws {
    node.settings = ["port": "8080", "colour": #""blue""#]
    node.base.write("environment.d/10-app", "export APP_PORT=$(os-apply-config --key settings.port --type int)\n")
    node.base.script(
      "configure.d/20-app", #"[ "$APP_PORT" -lt 9000 ] || { echo "cannot bind $APP_PORT" >&2; exit 1; }"#)
    #expect(node.refresh() == 0 && node.refresh() == 0)
    (node.settings["port"], node.settings["colour"]) = ("9443", #""red""#)
    #expect(node.refresh() == 1)
    let why = try node.explanation()
    #expect(first(why) == "input_key_changed settings.port", "\(why.causes)")
    #expect(
      why.causes.first?.evidence == "read by environment.d/10-app, which every script sources: 8080 -> 9443")
    #expect(why.causes.first { $0.subject == "settings.colour" }?.direct == false)
  }

  @Test func aKeyReadThroughARenderedTemplateIsTheCause() throws {
    node.settings = ["mode": #""strict""#, "colour": #""blue""#]
    node.scratch.write("templates/etc/app/app.conf", "[main]\nmode={{settings.mode}}\n")
    node.scratch.write("templates/etc/other/other.conf", "colour={{settings.colour}}\n")
    let output = node.scratch.url("rendered")
    node.base.script(
      "configure.d/20-app",
      "os-apply-config -o \(output) >/dev/null 2>&1 || exit 9\n"
        + "grep -q '^mode=strict$' \(output)/etc/app/app.conf || { echo 'bad mode' >&2; exit 1; }")
    #expect(node.refresh() == 0 && node.refresh() == 0)
    (node.settings["mode"], node.settings["colour"]) = (#""lax""#, #""red""#)
    #expect(node.refresh() == 1)
    let why = try node.explanation()
    #expect(first(why) == "input_key_changed settings.mode", "\(why.causes)")
    #expect(why.causes.first?.evidence.contains("read through template etc/app/app.conf") == true)
    #expect(why.causes.first { $0.subject == "settings.colour" }?.direct == false)
  }

  @Test func aChangedTemplateTheScriptRendersIsTheCause() throws {
    node.scratch.write("templates/etc/app/app.conf", "mode=strict\n")
    let output = node.scratch.url("rendered")
    node.base.script(
      "configure.d/20-app",
      "os-apply-config -o \(output) >/dev/null 2>&1 || exit 9\n"
        + "grep -q '^mode=strict$' \(output)/etc/app/app.conf || { echo 'bad mode' >&2; exit 1; }")
    #expect(node.refresh() == 0 && node.refresh() == 0)
    node.scratch.write("templates/etc/app/app.conf", "mode=lax\n")
    #expect(node.refresh() == 1)
    let why = try node.explanation()
    #expect(first(why) == "template_changed etc/app/app.conf", "\(why.causes)")
    // diff names the template that changed under its root, by its digests.
    let diff = runCommand(
      Binaries.ours, ["diff", "2", "3", "--db", node.fixture.database],
      environment: Binaries.environment(database: node.fixture.database)
    ).stdoutText
    #expect(diff.contains("  changed  \(node.templates) (template)\n      ~ etc/app/app.conf: \""), "\(diff)")
  }

  @Test func aRotatedSecretIsNamedAndNeverShown() throws {
    let (old, new) = ("Old-Passw0rd-1", "New!Passw0rd-2")
    node.settings = ["db_password": "\"\(old)\""]
    node.base.script(
      "configure.d/20-db",
      "pw=$(os-apply-config --key settings.db_password --type raw) || exit 9\n"
        + #"case "$pw" in *!*) echo "authentication failed" >&2; exit 1;; esac"#)
    #expect(node.refresh() == 0 && node.refresh() == 0)
    node.settings["db_password"] = "\"\(new)\""
    #expect(node.refresh() == 1)
    let why = try node.explanation()
    #expect(first(why) == "input_key_changed settings.db_password", "\(why.causes)")
    #expect(why.causes.first?.evidence.hasSuffix("secret changed") == true)
    for output in [node.why().stdoutText, node.why(["--json"]).stdoutText] {
      #expect(!output.contains(old) && !output.contains(new) && !output.contains("Passw0rd"))
      #expect(!output.contains("tok-"), "the noise token is a secret too")
    }
  }

  @Test func aFailureThatBeganRunsAgoIsSearchedWhereItBegan() throws {
    node.settings = ["port": "8080"]
    node.base.script(
      "configure.d/20-app",
      #"[ "$(os-apply-config --key settings.port)" = 8080 ] || { echo 'wrong port' >&2; exit 1; }"#)
    #expect(node.refresh() == 0 && node.refresh() == 0)
    node.settings["port"] = "8443"
    #expect(node.refresh() == 1)
    node.settings["unrelated"] = "true"
    #expect(node.refresh() == 1 && node.refresh() == 1)
    let why = try node.explanation()
    #expect(why.run == 5 && why.lastGoodRun == 2 && why.firstBadRun == 3 && why.failingRuns == 3)
    #expect(first(why) == "input_key_changed settings.port", "\(why.causes)")
    #expect(!why.causes.contains { $0.subject == "settings.unrelated" }, "added after the failure began")
  }

  @Test func aTimeoutAfterAKeyChangeNamesTheKeyAndTheUsualDuration() throws {
    node.settings = ["delay": "0"]
    node.base.script("configure.d/20-wait", "sleep $(os-apply-config --key settings.delay --type int)")
    #expect(node.refresh(["--timeout", "3"]) == 0 && node.refresh(["--timeout", "3"]) == 0)
    node.settings["delay"] = "30"
    #expect(node.refresh(["--timeout", "3"]) == 1)
    let why = try node.explanation()
    #expect(why.script?.status == .timeout && why.status == .timeout)
    #expect(first(why) == "input_key_changed settings.delay", "\(why.causes)")
    let took = try #require(why.script?.durationS)
    let usual = try #require(why.script?.typicalS)
    // --timeout bounds the run, so the script had a little less than 3 s.
    #expect(took >= 2 && usual < 1, "took \(took) s, usually \(usual) s")
    #expect(why.script?.timeoutS == 3)
    #expect(
      node.why().stdoutText.contains(
        "(timeout) and was stopped by --timeout 3, the whole run's limit; it usually takes "))
  }

  @Test func anIntermittentFailureWithNothingChangedSaysSo() throws {
    let count = node.scratch.url("count")
    node.base.script(
      "configure.d/20-fetch",
      "n=$(cat \(count) 2>/dev/null || echo 0); n=$((n+1)); echo $n > \(count)\n"
        + "case $n in 3|5) echo 'connection reset by peer' >&2; exit 1;; esac")
    for expected: Int32 in [0, 0, 1, 0, 1] { #expect(node.refresh() == expected) }
    let why = try node.explanation()
    #expect(why.lastGoodRun == 4 && why.firstBadRun == 5)
    #expect(first(why) == "intermittent ", "\(why.causes)")
    #expect(
      why.causes.first?.evidence
        == "nothing it uses changed between run 4 and run 5; it failed 2 of its last 5 runs with the same script")
    #expect(why.causes.dropFirst().allSatisfy { !$0.direct })
  }

  @Test func aFailingEnvironmentFileIsExplained() throws {
    node.base.write("environment.d/10-site", "export SITE=one\n")
    node.base.script("configure.d/20-app", "true")
    #expect(node.refresh() == 0 && node.refresh() == 0)
    node.base.write("environment.d/10-site", "echo 'site unreachable' >&2\nfalse\n")
    #expect(node.refresh() == 1)
    let why = try node.explanation()
    #expect(why.script?.name == "environment.d/10-site" && why.script?.phase == .configure)
    #expect(first(why) == "environment_changed 10-site", "\(why.causes)")
    #expect(why.causes.first?.evidence == "changed: the file that failed")
    #expect(why.errorLines.contains("site unreachable"))
  }

  @Test func withNothingFailedThereIsNothingToExplain() throws {
    let empty = node.why()
    #expect(empty.status == 1 && empty.stderrLines.count == 1, "no history yet: \(empty.stderr)")
    node.base.script("configure.d/10-ok", "true")
    #expect(node.refresh() == 0)
    let none = node.why()
    #expect(none.status == 0 && none.stdoutText == "No run to explain: none has failed.\n")
    let success = node.why(["1"])
    #expect(success.stdoutText == "Nothing failed in run 1 (success): nothing to explain.\n")
    let json = try node.explanation(["1"])
    #expect(json.script == nil && json.causes.isEmpty && json.status == .success)
  }
}
