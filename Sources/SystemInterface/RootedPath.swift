/// A path as a node sees it, found under the directory its disk is mounted
/// on (`why --root /mnt/node`): each symbolic link on the way is resolved as
/// the node would resolve it, inside the root (an absolute target starts
/// again at the root, `..` stops at it), never out onto this machine.
public enum RootedPath {
  /// `path` (absolute on the node) under `root`, its links resolved inside
  /// `root`; nil past 40 links (a loop) or when a link cannot be read. The
  /// last component is never a link (open it without following links).
  public static func resolve(_ path: String, under root: String) -> String? {
    let base = root.hasSuffix("/") ? String(root.dropLast()) : root
    var pending = Array(path.split(separator: "/").map(String.init).reversed())
    var resolved: [String] = []
    var links = 0
    while let part = pending.popLast() {
      if part.isEmpty || part == "." { continue }
      if part == ".." {
        if !resolved.isEmpty { resolved.removeLast() }
        continue
      }
      let candidate = base + "/" + (resolved + [part]).joined(separator: "/")
      var info = stat()
      guard lstat(candidate, &info) == 0, info.st_mode & S_IFMT == S_IFLNK else {
        resolved.append(part)
        continue
      }
      links += 1
      guard links <= 40, let target = linkTarget(candidate) else { return nil }
      if target.hasPrefix("/") { resolved.removeAll() }
      pending.append(contentsOf: target.split(separator: "/").map(String.init).reversed())
    }
    return base + "/" + resolved.joined(separator: "/")
  }

  /// What the link at `path` points to.
  static func linkTarget(_ path: String) -> String? {
    var buffer = [CChar](repeating: 0, count: 4096)
    let count = readlink(path, &buffer, buffer.count)
    guard count > 0, count < buffer.count else { return nil }
    return String(decoding: buffer[0..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self)
  }
}
