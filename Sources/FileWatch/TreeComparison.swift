import RefreshVocabulary

/// One path that differs between two states of the watched tree.
public struct PathChange: Sendable, Equatable {
  /// The path as it is now (for a deletion, as it was).
  public let path: String
  /// How it changed.
  public let kind: FileChangeKind
  /// The old path of a renamed file.
  public let renamedFrom: String?
  /// Its state now; nil when deleted.
  public let state: FileState?
  /// Its state before (under its old name for a rename); nil when created.
  public let previous: FileState?

  /// Creates a change.
  public init(path: String, kind: FileChangeKind, renamedFrom: String?, state: FileState?, previous: FileState?) {
    (self.path, self.kind, self.renamedFrom, self.state, self.previous) = (path, kind, renamedFrom, state, previous)
  }
}

/// What differs between two states of the watched paths, by stat alone:
/// a path that appeared holding a file that disappeared from another path
/// (same device and inode, and for a file the same size and modification
/// time: an inode a deletion freed is soon reused) was renamed; a path holding another file, or the
/// same file with another size or modification time, was modified (its
/// digest tells whether its content really did); the same file with another
/// mode or owner changed its metadata. A directory's own times change with
/// its entries, which are reported themselves, so only its mode and owner count.
public enum TreeComparison {
  /// The changes from `before` to `after`, sorted by path. Paths under a
  /// directory `after` could not list are not taken for deleted, nor is
  /// anything when `after` stopped at its limit.
  public static func changes(from before: [String: FileState], to after: TreeSnapshot) -> [PathChange] {
    let now = after.states
    let unlisted = Array(after.unreadable.keys)
    let gone =
      after.truncated
      ? []
      : before.keys.filter { path in
        now[path] == nil && !unlisted.contains { path.hasPrefix($0 + "/") }
      }
    var goneByFile: [[Int64]: String] = [:]
    for path in gone.sorted() { if let state = before[path] { goneByFile[[state.device, state.inode]] = path } }
    var changes: [PathChange] = []
    var renamedAway = Set<String>()
    for (path, state) in now {
      let old = before[path]
      if let old, old.isSameFile(as: state), old.kind == state.kind {
        if state.kind != .directory, state.contentMayDiffer(from: old) {
          changes.append(PathChange(path: path, kind: .modified, renamedFrom: nil, state: state, previous: old))
        } else if state.metadataDiffers(from: old) {
          changes.append(PathChange(path: path, kind: .metadata, renamedFrom: nil, state: state, previous: old))
        }
        continue
      }
      // A rename keeps the file's size and modification time; an inode
      // freed by a deletion and reused by a new file does not.
      if let from = goneByFile[[state.device, state.inode]], let moved = before[from], moved.kind == state.kind,
        moved.kind == .directory || (moved.size == state.size && moved.modified == state.modified)
      {
        renamedAway.insert(from)
        changes.append(PathChange(path: path, kind: .renamed, renamedFrom: from, state: state, previous: before[from]))
      } else if let old {
        changes.append(PathChange(path: path, kind: .modified, renamedFrom: nil, state: state, previous: old))
      } else {
        changes.append(PathChange(path: path, kind: .created, renamedFrom: nil, state: state, previous: nil))
      }
    }
    for path in gone where !renamedAway.contains(path) {
      changes.append(PathChange(path: path, kind: .deleted, renamedFrom: nil, state: nil, previous: before[path]))
    }
    return changes.sorted { $0.path < $1.path }
  }
}
