import Foundation
import RefreshStore
import Testing

/// A history the previous release (c0b0385, history schema 10) recorded
/// with its own binary (`scripts/make-upgrade-fixture`), loaded in a
/// temporary directory as a node has it before `apt upgrade`: four runs of
/// a Heat node, the third failed, metadata with secrets by name, a URL
/// password, a secret repeated inside another value and a file of 64 KiB
/// and more (stored in chunks), the key the old binary digested under, and
/// the base directory and metadata files as they were at the fourth run.
public final class UpgradeFixture {
  public static let directory = Binaries.packageRoot + "/Tests/Fixtures/upgrade"
  /// The secrets the metadata holds, none of which may be stored in clear.
  public static let secrets = [
    "Adm1nPassw0rdValue", "T0kenValue12345", "UrlPassw0rdValue", "NovaPassw0rdValue", "MysqlUrlPassw0rd",
  ]

  public let root = TemporaryDirectory("orc-upgrade")
  public var database: String { root.url("db/history.sqlite") }
  public var configFiles: String { root.url("metadata.json") + ":" + root.url("heat.json") }

  /// The fixture loaded; with `copies` above 1, every run copied that many
  /// times over (`multiply.sql`: a busy node's history, metadata of its own each run).
  public init(copies: Int = 1, onDisk mount: ((String) throws -> Void)? = nil) throws {
    root.directory("db")
    try mount?(root.url("db"))
    chmod(root.url("db"), 0o700)
    // The scripts as the old binary ran them, byte for byte.
    root.script("base/pre-configure.d/10-quiesce", "echo quiesced")
    root.script("base/configure.d/20-apply", #"echo "applied for $(hostname -s 2>/dev/null || echo node)""#)
    root.script(
      "base/configure.d/30-check",
      #"if [ -e "$(dirname "$0")/../../fail" ]; then echo "check failed" >&2; exit 3; fi; echo checked"#)
    root.script("base/post-configure.d/40-restart", "echo restarted")
    for name in ["metadata.json", "heat.json"] {
      root.write(name, try String(contentsOfFile: Self.directory + "/" + name, encoding: .utf8))
    }
    let hex = try String(contentsOfFile: Self.directory + "/schema-10.key.hex", encoding: .utf8)
    let key = stride(from: 0, to: 64, by: 2).map { offset in
      UInt8(
        hex.utf8.dropFirst(offset).prefix(2).reduce(into: "") { $0.append(Character(UnicodeScalar($1))) }, radix: 16)!
    }
    _ = FileManager.default.createFile(
      atPath: database + ".key", contents: Data(key), attributes: [.posixPermissions: 0o600])
    let dump = try String(contentsOfFile: Self.directory + "/schema-10.sql", encoding: .utf8)
      .replacingOccurrences(of: "@FIXTURE@", with: root.path)
    _ = FileManager.default.createFile(atPath: database, contents: Data(), attributes: [.posixPermissions: 0o600])
    try load(dump, copies: copies)
    // As the old binary left it: in WAL mode, its log folded in.
    let loaded = try Database(path: database)
    try loaded.execute("PRAGMA journal_mode = WAL")
    try loaded.execute("PRAGMA wal_checkpoint(TRUNCATE)")
  }

  private func load(_ dump: String, copies: Int) throws {
    let loaded = try Database(path: database)
    try loaded.execute(dump)
    if copies > 1 {
      try loaded.execute(
        """
        CREATE TEMP TABLE copies (n INTEGER PRIMARY KEY);
        WITH RECURSIVE k(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM k WHERE n < \(copies - 1))
          INSERT INTO temp.copies SELECT n FROM k;
        """)
      try loaded.execute(try String(contentsOfFile: Self.directory + "/multiply.sql", encoding: .utf8))
    }
  }

  /// The binary with `arguments` and `--db`, in the fixture's environment.
  public func run(_ arguments: [String], seconds: Double = 60) -> CommandResult {
    runCommand(
      Binaries.ours, arguments + ["--db", database],
      environment: Binaries.environment(database: database, ["OS_CONFIG_FILES": configFiles]), seconds: seconds)
  }

  /// A refresh of the base directory with the metadata files.
  public func refresh(_ arguments: [String] = [], seconds: Double = 120) -> CommandResult {
    run(["--base-dir", root.url("base"), "--lockfile", root.url("lock")] + arguments, seconds: seconds)
  }

  /// The database's schema version, read without changing anything.
  public func schemaVersion() throws -> Int? { try HistoryStore.schemaVersionOnDisk(at: database) }

  /// The bytes of the database and the files SQLite keeps beside it.
  public func storedBytes() throws -> Data {
    var bytes = Data()
    for suffix in ["", "-wal", "-shm"] where FileManager.default.fileExists(atPath: database + suffix) {
      bytes += try Data(contentsOf: URL(fileURLWithPath: database + suffix))
    }
    return bytes
  }

  /// The secrets found in clear anywhere in the stored bytes.
  public func secretsInClear() throws -> [String] {
    let bytes = try storedBytes()
    return Self.secrets.filter { bytes.range(of: Data($0.utf8)) != nil }
  }
}
