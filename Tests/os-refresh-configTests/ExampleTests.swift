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
}
