import MetadataDocuments
import RefreshRunner
import RefreshStore
import RefreshVocabulary
import SystemInterface

/// What heat-config's `55-heat-config` writes as it runs Heat's
/// SoftwareDeployments: for each, `<id>.json` (the deployment) and, once its
/// hook ended, `<id>.notify.json` (the signal data sent to Heat:
/// `deploy_status_code`, `deploy_stdout`, `deploy_stderr`), under the
/// deployed directory. heat-config exits 0 whatever its hooks did, so these
/// files are where a failed deployment shows on the node.
///
/// After each script the directories are listed again: a signal file that
/// is new or rewritten was written by that script. Only a directory that is
/// a real directory (not a link), owned by root or us and writable by no one
/// else is read, so no other user can plant what is recorded.
struct HeatDeployments {
  static let defaultDirectory = "/var/lib/heat-config/deployed"
  static let oldDefaultDirectory = "/var/run/heat-config/deployed"
  static let signalSuffix = ".notify.json"
  /// The largest signal file and deployment file read.
  static let signalLimit = 1 << 20
  static let deploymentLimit = 16 << 20
  /// Bytes kept of the end of `deploy_stdout` and of `deploy_stderr`.
  static let keptBytes = 4096
  /// Deployments recorded after one script at most (newest kept).
  static let perScript = 256

  /// What tells a file written again: inode, size, modification time (ns).
  struct Stamp: Equatable {
    let inode: UInt64
    let size: Int64
    let modified: Int64

    init(_ info: stat) {
      (inode, size) = (UInt64(info.st_ino), Int64(info.st_size))
      modified = Int64(info.st_mtim.tv_sec) * 1_000_000_000 + Int64(info.st_mtim.tv_nsec)
    }
  }

  /// The directories read, as scripts name them (HEAT_CONFIG_DEPLOYED and
  /// HEAT_CONFIG_DEPLOYED_OLD, after environment.d).
  private(set) var directories: [String] = []
  private var known: [String: Stamp] = [:]
  /// Each directory's stamp when it was last listed, and when (UTC microseconds).
  private var listed: [String: (stamp: Stamp, at: Int64)] = [:]

  /// Starts watching the directories `environment` names; what is there
  /// now was written before the run.
  init(environment: [String: String]) { use(environment) }

  /// The directories `environment` names.
  static func directories(_ environment: [String: String]) -> [String] {
    let new = environment["HEAT_CONFIG_DEPLOYED"].flatMap { $0.isEmpty ? nil : $0 } ?? defaultDirectory
    let old = environment["HEAT_CONFIG_DEPLOYED_OLD"].flatMap { $0.isEmpty ? nil : $0 } ?? oldDefaultDirectory
    return new == old ? [new] : [new, old]
  }

  /// Watches the directories `environment` names too (scripts see it after
  /// environment.d); what they hold now was written before.
  mutating func use(_ environment: [String: String]) {
    for directory in Self.directories(environment) where !directories.contains(directory) {
      directories.append(directory)
      _ = changed(in: directory)
    }
  }

  /// Signal files written or rewritten since the last look, oldest first.
  mutating func written() -> [(path: String, modified: Int64)] {
    let found = directories.flatMap { changed(in: $0) }.sorted { ($0.modified, $0.path) < ($1.modified, $1.path) }
    return Array(found.suffix(Self.perScript))
  }

  private mutating func changed(in directory: String) -> [(path: String, modified: Int64)] {
    var info = stat()
    guard lstat(directory, &info) == 0, Self.isTrusted(info) else { return [] }
    // Listed after every script, so not again while its entries stay as
    // they were: heat-config writes each signal file as a new entry. Only
    // when it had not changed for a second before the last listing, as
    // file times are coarse.
    let (stamp, now) = (Stamp(info), RunClock().wallMicroseconds())
    if let last = listed[directory], last.stamp == stamp, stamp.modified / 1000 < last.at - 1_000_000 { return [] }
    listed[directory] = (stamp, now)
    guard case .names(let names) = DirectoryEntries.read(directory) else { return [] }
    var found: [(path: String, modified: Int64)] = []
    for name in names where name.hasSuffix(Self.signalSuffix) && name.count > Self.signalSuffix.count {
      let path = joinPath(directory, name)
      guard lstat(path, &info) == 0, info.st_mode & S_IFMT == S_IFREG else { continue }
      let stamp = Stamp(info)
      if known.updateValue(stamp, forKey: path) != stamp { found.append((path, stamp.modified / 1000)) }
    }
    return found
  }

  /// Whether `directory` is one only root (or we) can write: a directory,
  /// not a symbolic link, owned by root or our user, writable by no one else.
  static func isTrusted(_ directory: String) -> Bool {
    var info = stat()
    return lstat(directory, &info) == 0 && isTrusted(info)
  }

  private static func isTrusted(_ info: stat) -> Bool {
    info.st_mode & S_IFMT == S_IFDIR && (info.st_uid == 0 || info.st_uid == geteuid()) && info.st_mode & 0o022 == 0
  }

  /// The record of the deployment whose signal data is at `path`, written
  /// during script `phase/script`; `masked` hides secrets in its output.
  static func record(
    signal path: String, signalledAt: Int64, phase: Phase, script: String, masked: ([UInt8]) -> [UInt8]
  ) -> DeploymentRecord? {
    guard let (bytes, complete) = try? SmallFile.read(path, limit: signalLimit, followingLinks: false), complete,
      case .object(let signal)? = JSONValue.parse(bytes)
    else { return nil }
    let id = String(path.split(separator: "/").last!.dropLast(signalSuffix.count))
    let deploymentPath = String(path.dropLast(signalSuffix.count)) + ".json"
    var deployment: [(key: String, value: JSONValue)] = []
    if let (bytes, complete) = try? SmallFile.read(deploymentPath, limit: deploymentLimit, followingLinks: false),
      complete, case .object(let members)? = JSONValue.parse(bytes)
    {
      deployment = members
    }
    func text(_ members: [(key: String, value: JSONValue)], _ key: String) -> String? {
      switch members.first(where: { $0.key == key })?.value {
      case .string(let value)?: value
      case .number(let value)?: value
      default: nil
      }
    }
    func tail(_ key: String) -> [UInt8] { Array(masked(Array((text(signal, key) ?? "").utf8)).suffix(keptBytes)) }
    let statusCode = text(signal, "deploy_status_code").flatMap { Int64($0) } ?? 0
    return DeploymentRecord(
      phase: phase, script: script, name: text(deployment, "name") ?? id, deploymentID: text(deployment, "id") ?? id,
      group: text(deployment, "group"), action: action(of: deployment), statusCode: statusCode,
      signalledAt: signalledAt, stdout: tail("deploy_stdout"), stderr: tail("deploy_stderr"))
  }

  /// `deploy_action` among a deployment's inputs.
  private static func action(of deployment: [(key: String, value: JSONValue)]) -> String? {
    guard case .array(let inputs)? = deployment.first(where: { $0.key == "inputs" })?.value else { return nil }
    for case .object(let input) in inputs
    where input.contains(where: { $0.key == "name" && $0.value == .string("deploy_action") }) {
      if case .string(let value)? = input.first(where: { $0.key == "value" })?.value { return value }
    }
    return nil
  }
}
