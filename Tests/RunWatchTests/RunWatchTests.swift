import RefreshRunner
import RefreshStore
import RunWatch
import SecretHiding
import SystemInterface
import TestSupport
import Testing

/// The pieces `status` reads /proc with, on texts as the kernel writes them.
@Suite struct RunWatchTests {
  @Test func aWaiterIsTiedToTheLockItWaitsForAndItsHolder() {
    let locks = FileLocks(
      text: """
        1: FLOCK  ADVISORY  WRITE 16572 fe:00:16220283 0 EOF
        1: -> FLOCK  ADVISORY  WRITE 16575 fe:00:16220283 0 EOF
        2: POSIX  ADVISORY  WRITE 900 08:01:77 0 EOF
        2: -> POSIX  ADVISORY  WRITE 901 08:01:77 0 EOF
        3: OFDLCK ADVISORY  READ  -1 00:1a:5 0 EOF
        not a lock line
        """)
    #expect(locks.locks.count == 5)
    let waited = locks.waited(by: 16575)
    #expect(waited?.holder == 16572 && waited?.lock.kind == "FLOCK" && waited?.lock.inode == 16_220_283)
    #expect(waited?.lock.device.major == 0xfe && waited?.lock.device.minor == 0)
    #expect(locks.waited(by: 901)?.holder == 900 && locks.waited(by: 901)?.lock.kind == "POSIX")
    #expect(locks.waited(by: 16572) == nil)
  }

  @Test func aLockFilesHolderIsFoundByItsDeviceAndInode() {
    let directory = TemporaryDirectory("orc-locks")
    let path = directory.write("lock", "")
    var info = stat()
    #expect(lstat(path, &info) == 0)
    let device = UInt64(info.st_dev)
    let major = ((device >> 8) & 0xfff) | ((device >> 32) & ~UInt64(0xfff))
    let minor = (device & 0xff) | ((device >> 12) & ~UInt64(0xff))
    let hex = { (value: UInt64) in String(value, radix: 16) }
    let locks = FileLocks(
      text: "1: FLOCK  ADVISORY  WRITE 4242 \(hex(major)):\(hex(minor)):\(info.st_ino) 0 EOF\n"
        + "2: FLOCK  ADVISORY  WRITE 5151 \(hex(major)):\(hex(minor)):\(info.st_ino + 1) 0 EOF\n")
    #expect(locks.holder(of: path) == 4242)
    #expect(locks.holder(of: directory.url("absent")) == nil)
  }

  @Test func tcpSocketsReadAsAddressesAndStates() {
    let v4 = SocketTable(
      text: """
          sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
           0: 0100007F:9C40 0100007F:1F90 01 00000000:00000000 00:00000000 00000000     0        0 4711 1 0 20 4 30 10 -1
           1: 00000000:0016 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 99 1 0 100 0 0 10 0
           2: 0A00000A:C000 0500000A:01BB 02 00000000:00000000 01:00000064 00000002     0        0 4712 1 0 200 0 0 10 -1
        """, isIPv6: false)
    #expect(v4.sockets[4711]?.local == "127.0.0.1:40000" && v4.sockets[4711]?.remote == "127.0.0.1:8080")
    #expect(v4.sockets[4711]?.state == "ESTABLISHED" && v4.sockets[99]?.state == "LISTEN")
    #expect(v4.sockets[4712]?.remote == "10.0.0.5:443" && v4.sockets[4712]?.state == "SYN_SENT")
    let v6 = SocketTable(
      text: """
          sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
           0: 00000000000000000000000001000000:C350 00000000000000000000000001000000:0050 01 00000000:00000000 00:00000000 00000000     0        0 800 1 0 20 4 30 10 -1
           1: 0000000000000000FFFF00000100007F:C351 0000000000000000FFFF00000100007F:0050 01 00000000:00000000 00:00000000 00000000     0        0 801 1 0 20 4 30 10 -1
           2: B80D0120000000000000000001000000:C352 B80D0120000000000000000002000000:0050 02 00000000:00000000 00:00000000 00000000     0        0 802 1 0 20 4 30 10 -1
        """, isIPv6: true)
    #expect(v6.sockets[800]?.remote == "[0:0:0:0:0:0:0:1]:80")
    #expect(v6.sockets[801]?.remote == "127.0.0.1:80")
    #expect(v6.sockets[802]?.remote == "[2001:db8:0:0:0:0:0:2]:80" && v6.sockets[802]?.state == "SYN_SENT")
  }

  @Test func commandLinesHideSecretsAndKeepTheRest() {
    #expect(
      CommandLineMask.display([
        "mysql", "--password", "hunter2secret", "--user", "root", "--os-password=abcdef123", "MYSQL_PWD=xyz",
        "https://admin:pa55word@db.example.net/x", "--token", "--verbose", "a b",
      ])
        == "mysql --password <secret> --user root --os-password=<secret> MYSQL_PWD=<secret> "
        + "https://admin:<secret>@db.example.net/x --token --verbose 'a b'")
    #expect(CommandLineMask.display(["/bin/sh", "/base/configure.d/20-x"]) == "/bin/sh /base/configure.d/20-x")
    #expect(CommandLineMask.display(["echo", "it's", ""]) == "echo 'it'\\''s' ''")
  }

  @Test func theTimeLeftOfAnOverrunningScriptGrows() {
    #expect(RefreshStatus.remaining(of: 1_000, typically: 5_000) == 4_000)
    #expect(RefreshStatus.remaining(of: 5_000, typically: 5_000) == 0)
    let overrun = [6_000, 9_000, 20_000].map { RefreshStatus.remaining(of: $0, typically: 5_000) }
    #expect(overrun == [1_000, 4_000, 15_000])
    #expect(RefreshStatus.defaultSlowAfterSeconds == 2)
  }

  @Test func theTypicalDurationIsTheMedianAndTheNearestRankP95() {
    #expect(TypicalDuration([]) == nil)
    let typical = TypicalDuration([5, 1, 3, 2, 4, 100])
    #expect(typical?.medianMicroseconds == 3 && typical?.p95Microseconds == 100 && typical?.samples == 6)
  }

  @Test func theRunningScriptsTreeIsReadFromProc() throws {
    // This test process's own children: a shell running `sleep` (other
    // tests' children, started later, may follow it: they count as orphans
    // come back to the subreaper would).
    let directory = TemporaryDirectory("orc-tree")
    let script = directory.script("hold", "sleep 30; exit 0")
    let child = RunningCommand("/bin/sh", [script], environment: [:])
    defer {
      child.signal(SIGKILL)
      _ = child.wait(atMost: 10)
    }
    var tree: [ProcessView] = []
    #expect(
      waitUntil(seconds: 10) {
        // Until `sleep` sleeps: just after its exec it may still be running.
        tree = ScriptProcesses.tree(refreshPid: Int64(getpid()), scriptPath: script)
        return tree.contains { $0.command == "sleep 30" && $0.state == "S" }
      })
    #expect(tree.first?.pid == Int64(child.pid) && tree.first?.parent == Int64(getpid()))
    #expect(tree.first?.command == "/bin/sh \(script)" && tree.first?.wchan == "do_wait")
    #expect(tree.contains { $0.command == "sleep 30" && $0.parent == Int64(child.pid) && $0.state == "S" })
    #expect(tree.first?.elapsedMicroseconds != nil)
  }
}

/// The moment between a refresh recording its end and letting go of the
/// lock: the run is over, so status reports how it ended.
@Suite struct StatusAtARunsEndTests {
  @Test func aHolderWhoseRunHasEndedIsNotRunning() throws {
    let history = RecordedHistory()
    history.base.script("configure.d/10-x", "true")
    #expect(try history.refresh() == .success)
    let pattern = try RunPartsPattern(RunPartsPattern.defaultScriptPattern)
    let lock = try FileDescriptor.open(history.lock, O_WRONLY | O_CREAT, mode: 0o600)
    #expect(flock(lock.rawValue, LOCK_EX | LOCK_NB) == 0)
    // The refresh ran in this process: its holder counts as one here.
    let ended = RefreshStatus.inspect(
      queries: try history.queries(), lockfile: history.lock, pattern: pattern, slowAfterSeconds: 60,
      isRefresh: { _ in true })
    #expect(!ended.running && ended.scriptsDone == 0 && ended.lastRun?.status == .success)
    // Without the history to say so, the lock's holder is a refresh running.
    let unknown = RefreshStatus.inspect(
      queries: nil, lockfile: history.lock, pattern: pattern, slowAfterSeconds: 60, isRefresh: { _ in true })
    #expect(unknown.running && unknown.pid == Int64(getpid()))
    // Seen as what it is (a test runner, not a refresh), it holds a lock and runs nothing.
    let foreign = RefreshStatus.inspect(queries: nil, lockfile: history.lock, pattern: pattern, slowAfterSeconds: 60)
    #expect(!foreign.running && foreign.foreignLockHolder?.pid == Int64(getpid()))
  }
}
