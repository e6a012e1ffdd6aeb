import SystemInterface

/// The watched paths as one stat scan found them.
public struct TreeSnapshot: Sendable {
  /// Each path found (roots included) and its state.
  public var states: [String: FileState] = [:]
  /// Directories that could not be listed, and why.
  public var unreadable: [String: String] = [:]
  /// Watched roots that do not exist (or are not directories).
  public var missingRoots: [String] = []
  /// Whether the scan stopped at its entry limit or depth limit.
  public var truncated = false

  /// An empty snapshot.
  public init() {}

  /// Whether every path under the roots was listed.
  public var isComplete: Bool { !truncated && unreadable.isEmpty }
}

/// Lists the watched paths with their states, as `find -xdev` would, and
/// never follows a symbolic link: each directory is opened relative to its
/// parent's descriptor with `O_NOFOLLOW`, so a link planted in a watched
/// tree (or a loop of them) is recorded as a link and never entered. A scan
/// stays on each root's filesystem (a mount inside /etc is not walked), and
/// a directory met twice (a bind mount of its parent) is listed once.
public enum TreeScan {
  /// Directories deeper than this under a root are not entered.
  public static let depthLimit = 64

  /// The snapshot of `scope`'s paths now; `entering` is given each
  /// directory's descriptor before it is listed (a watcher marks it there,
  /// so an entry made after the listing is an event, one made before is
  /// listed).
  public static func scan(_ scope: WatchScope, entering: ((FileDescriptor) -> Void)? = nil) -> TreeSnapshot {
    var walk = Walk(scope: scope, entering: entering)
    for root in scope.paths where !scope.isExcluded(root) {
      var info = stat()
      guard lstat(root, &info) == 0 else {
        walk.snapshot.missingRoots.append(root)
        continue
      }
      let state = FileState(info)
      walk.snapshot.states[root] = state
      guard state.kind == .directory else {
        walk.snapshot.missingRoots.append(root)
        continue
      }
      guard let descriptor = try? FileDescriptor.open(root, O_RDONLY | O_DIRECTORY | O_NOFOLLOW) else {
        walk.snapshot.unreadable[root] = SystemError(call: "open", code: errno).reason
        continue
      }
      walk.list(descriptor, path: root, device: state.device, depth: 0)
    }
    return walk.snapshot
  }

  private struct Walk {
    let scope: WatchScope
    let entering: ((FileDescriptor) -> Void)?
    var snapshot = TreeSnapshot()
    var entries = 0
    var visited = Set<[Int64]>()

    init(scope: WatchScope, entering: ((FileDescriptor) -> Void)?) {
      self.scope = scope
      self.entering = entering
    }

    mutating func list(_ directory: FileDescriptor, path: String, device: Int64, depth: Int) {
      guard let state = snapshot.states[path], visited.insert([state.device, state.inode]).inserted else { return }
      guard depth < TreeScan.depthLimit else {
        snapshot.truncated = true
        return
      }
      entering?(directory)
      let names: [String]
      switch Self.names(in: directory) {
      case .success(let found): names = found
      case .failure(let error):
        snapshot.unreadable[path] = error.reason
        return
      }
      for name in names {
        guard entries < scope.entryLimit else {
          snapshot.truncated = true
          return
        }
        let child = path == "/" ? "/" + name : path + "/" + name
        guard !scope.isExcluded(child) else { continue }
        var info = stat()
        guard fstatat(directory.rawValue, name, &info, AT_SYMLINK_NOFOLLOW) == 0 else {
          // Gone since the listing is no change to report; anything else is.
          if errno != ENOENT { snapshot.unreadable[child] = SystemError(call: "fstatat", code: errno).reason }
          continue
        }
        let state = FileState(info)
        entries += 1
        snapshot.states[child] = state
        guard state.kind == .directory, state.device == device else { continue }
        let opened = openat(directory.rawValue, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
        guard opened >= 0 else {
          snapshot.unreadable[child] = SystemError(call: "openat", code: errno).reason
          continue
        }
        list(FileDescriptor(owning: opened), path: child, device: device, depth: depth + 1)
      }
    }

    /// The names in the open directory (its own descriptor stays open).
    static func names(in directory: FileDescriptor) -> Swift.Result<[String], SystemError> {
      let copy = dup(directory.rawValue)
      guard copy >= 0 else { return .failure(SystemError(call: "dup", code: errno)) }
      guard let stream = fdopendir(copy) else {
        let failure = SystemError(call: "fdopendir", code: errno)
        FileDescriptor(owning: copy).close()
        return .failure(failure)
      }
      defer { closedir(stream) }
      var names: [String] = []
      errno = 0
      while let entry = readdir(stream) {
        let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
          String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
        }
        if name != "." && name != ".." { names.append(name) }
      }
      if errno != 0 { return .failure(SystemError(call: "readdir", code: errno)) }
      return .success(names)
    }
  }
}
