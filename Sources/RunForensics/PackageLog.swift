import SystemInterface

/// A package installed, upgraded or removed on the node.
public struct PackageChange: Sendable, Equatable {
  public enum Action: String, Sendable {
    case installed, upgraded, removed
  }
  public let name: String
  public var action: Action
  /// The version before (nil when installed).
  public var from: String?
  /// The version after (nil when removed).
  public var to: String?
  /// When, UTC microseconds (of the last change within the window).
  public var at: Int64
}

/// The node's package history, as its package managers log it: dpkg's
/// `/var/log/dpkg.log` (and `.1`) on Debian and Ubuntu, dnf's
/// `/var/log/dnf.rpm.log` (and `.1`) on RHEL-family nodes; compressed
/// rotations are not read. All under `root` (a node's disk mounted
/// elsewhere; `/` for this node).
public struct PackageLog: Sendable {
  public let root: String

  public init(root: String) {
    self.root = root.hasSuffix("/") ? root : root + "/"
  }

  /// The node's file at `path`: this machine's own for the root `/`; under
  /// another root, its links resolved inside it (``RootedPath``), so a link
  /// to `/var/log/dpkg.log` on a mounted disk is that disk's log, not ours.
  func nodeFile(_ path: String, limit: Int) -> (bytes: [UInt8], complete: Bool)? {
    guard root != "/" else { return try? SmallFile.read(path, limit: limit) }
    guard let resolved = RootedPath.resolve(path, under: root) else { return nil }
    return try? SmallFile.read(resolved, limit: limit, followingLinks: false)
  }

  /// The logs read, and each package's net change in (`after`, `upTo`].
  ///
  /// The logs give whole seconds: a change logged in the second the window
  /// opens may have come before or after its start. Such a change counts
  /// only for a package with no change surely inside the window (then it
  /// is the best evidence there is; otherwise it is the state before).
  public func changes(after: Int64, upTo: Int64) -> (read: [String], changes: [PackageChange]) {
    var read: [String] = []
    var inside: [String: PackageChange] = [:]
    var boundary: [String: PackageChange] = [:]
    var order: [String] = []
    for (file, parse) in [
      ("var/log/dpkg.log.1", Self.dpkgLine), ("var/log/dpkg.log", Self.dpkgLine),
      ("var/log/dnf.rpm.log.1", Self.dnfLine), ("var/log/dnf.rpm.log", Self.dnfLine),
    ] {
      guard let contents = nodeFile("/" + file, limit: 64 << 20) else { continue }
      read.append("/" + file)
      // dpkg's lines start with their local time: those far outside the
      // window are passed over by their first 19 bytes, without parsing
      // (an hour either side for a change of daylight saving time).
      let stamps = file.contains("dpkg") ? Self.localStamps(after &- 3_601_000_000, upTo &+ 3_600_000_000) : nil
      for line in Self.lines(of: contents.bytes, within: stamps) {
        guard let change = parse(line), change.at + 1_000_000 > after,
          change.at <= upTo
        else { continue }
        if inside[change.name] == nil && boundary[change.name] == nil { order.append(change.name) }
        if change.at >= after {
          inside[change.name] = inside[change.name].map { Self.merged($0, change) } ?? change
        } else {
          // Which of them came after the window opened is unknown: the
          // last one, as the log gives it, is what is said.
          boundary[change.name] =
            boundary[change.name].map { Self.merged($0, change, keepingOnlyTheLast: true) } ?? change
        }
      }
    }
    return (read, order.compactMap { inside[$0] ?? boundary[$0] }.filter { $0.from != $0.to })
  }

  /// The lines of `bytes`, but those whose first 19 bytes (dpkg's local
  /// time) fall outside `stamps`, passed over by comparing bytes in place:
  /// a year of dpkg's log costs a scan, not a string per line (this runs at
  /// the end of every failed refresh, for its metrics).
  static func lines(of bytes: [UInt8], within stamps: (from: [UInt8], to: [UInt8])?) -> [String] {
    var kept: [String] = []
    bytes.withUnsafeBufferPointer { buffer in
      var start = 0
      while start < buffer.count {
        let rest = buffer.count - start
        let newline = memchr(buffer.baseAddress! + start, Int32(UInt8(ascii: "\n")), rest)
        let end =
          newline.map { start + (UnsafeRawPointer($0) - UnsafeRawPointer(buffer.baseAddress! + start)) } ?? buffer.count
        defer { start = end + 1 }
        if let stamps, end - start > 19,
          Self.compare(buffer, at: start, stamps.from) < 0 || Self.compare(buffer, at: start, stamps.to) > 0
        {
          continue
        }
        kept.append(String(decoding: UnsafeBufferPointer(rebasing: buffer[start..<end]), as: UTF8.self))
      }
    }
    return kept
  }

  /// The order of the 19 bytes at `offset` against `stamp` (19 bytes).
  private static func compare(_ buffer: UnsafeBufferPointer<UInt8>, at offset: Int, _ stamp: [UInt8]) -> Int {
    for index in 0..<min(19, stamp.count) where buffer[offset + index] != stamp[index] {
      return buffer[offset + index] < stamp[index] ? -1 : 1
    }
    return 0
  }

  /// A package's net change across the window: its first "from", its last
  /// "to". dnf gives an upgrade's old version on a line of its own
  /// (`Upgraded:`, no "to"), which only fills in the "from".
  static func merged(_ earlier: PackageChange, _ change: PackageChange, keepingOnlyTheLast: Bool = false)
    -> PackageChange
  {
    var result = earlier
    if change.action == .upgraded && change.to == nil {
      if result.from == nil || result.from == "?" { result.from = change.from }
      return result
    }
    if keepingOnlyTheLast { return change }
    (result.to, result.at) = (change.to, change.at)
    result.action = result.to == nil ? .removed : result.from == nil ? .installed : .upgraded
    return result
  }

  /// The basenames of the executables a Debian package installed (from
  /// dpkg's file list): what a script would run of it.
  public func executables(of package: String) -> [String] {
    for name in [package, package + ":amd64", package + ":arm64", package + ":all"] {
      guard let list = nodeFile("/var/lib/dpkg/info/" + name + ".list", limit: 16 << 20) else {
        continue
      }
      return list.bytes.split(separator: UInt8(ascii: "\n")).compactMap { line in
        let path = String(decoding: line, as: UTF8.self)
        guard path.contains("/bin/") || path.contains("/sbin/") || path.contains("/libexec/"),
          let slash = path.lastIndex(of: "/")
        else { return nil }
        let base = String(path[path.index(after: slash)...])
        return base.isEmpty ? nil : base
      }
    }
    return []
  }

  /// `2026-12-01 05:19:47 upgrade foo:amd64 1.0-1 1.1-1` (local time).
  static func dpkgLine(_ line: String) -> PackageChange? {
    let fields = line.split(separator: " ")
    guard fields.count == 6, ["install", "upgrade", "remove", "purge"].contains(fields[2]),
      let at = localMicroseconds(date: fields[0], time: fields[1])
    else { return nil }
    let name = String(fields[3].split(separator: ":").first ?? fields[3])
    let from = fields[4] == "<none>" ? nil : String(fields[4])
    let to = fields[5] == "<none>" ? nil : String(fields[5])
    let action: PackageChange.Action = to == nil ? .removed : from == nil ? .installed : .upgraded
    return PackageChange(name: name, action: action, from: from, to: to, at: at)
  }

  /// `2024-03-05T10:22:33+0000 SUBDEBUG Upgrade: openssl-libs-1:3.0.7-25.el9.x86_64`
  /// (`Install`, `Upgrade`/`Downgrade` and the `Upgraded`/`Downgraded` line
  /// giving the old version, `Erase`).
  static func dnfLine(_ line: String) -> PackageChange? {
    let fields = line.split(separator: " ", maxSplits: 3)
    guard fields.count == 4, let at = isoMicroseconds(fields[0]) else { return nil }
    let (name, version) = splitNEVRA(String(fields[3]))
    switch fields[2] {
    case "Install:", "Installed:": return PackageChange(name: name, action: .installed, from: nil, to: version, at: at)
    case "Upgrade:", "Downgrade:", "Reinstall:":
      return PackageChange(name: name, action: .upgraded, from: "?", to: version, at: at)
    case "Upgraded:", "Downgraded:":
      return PackageChange(name: name, action: .upgraded, from: version, to: nil, at: at)
    case "Erase:", "Erased:", "Remove:", "Removed:":
      return PackageChange(name: name, action: .removed, from: version, to: nil, at: at)
    default: return nil
    }
  }

  /// `name-[epoch:]version-release.arch` split into name and the rest.
  static func splitNEVRA(_ text: String) -> (name: String, version: String) {
    let parts = text.split(separator: "-", omittingEmptySubsequences: false)
    guard parts.count >= 3 else { return (text, "") }
    return (parts.dropLast(2).joined(separator: "-"), parts.suffix(2).joined(separator: "-"))
  }

  /// Two instants (UTC microseconds) as dpkg writes times: local,
  /// `2026-12-01 05:19:47` (Python logging's time without its milliseconds).
  static func localStamps(_ from: Int64, _ to: Int64) -> (from: [UInt8], to: [UInt8]) {
    (Array(Timestamp.logTime(from).utf8.prefix(19)), Array(Timestamp.logTime(to).utf8.prefix(19)))
  }

  static func localMicroseconds(date: Substring, time: Substring) -> Int64? {
    guard var parts = brokenDown(date: date, time: time) else { return nil }
    parts.tm_isdst = -1
    let seconds = mktime(&parts)
    return seconds == -1 ? nil : Int64(seconds) * 1_000_000
  }

  static func isoMicroseconds(_ text: Substring) -> Int64? {
    // 2024-03-05T10:22:33+0000 or …Z
    guard text.count >= 20, let tee = text.firstIndex(of: "T") else { return nil }
    let rest = text[text.index(after: tee)...]
    guard var parts = brokenDown(date: text[..<tee], time: rest.prefix(8)) else { return nil }
    let zone = rest.dropFirst(8)
    var seconds = Int64(timegm(&parts))
    if let sign = zone.first, sign == "+" || sign == "-" {
      let digits = zone.dropFirst().filter(\.isNumber)
      guard digits.count == 4, let hours = Int64(digits.prefix(2)), let minutes = Int64(digits.suffix(2)) else {
        return nil
      }
      seconds -= (sign == "+" ? 1 : -1) * (hours * 3600 + minutes * 60)
    }
    return seconds * 1_000_000
  }

  /// `2026-11-30` and `10:00:01` as the fields of a `tm`.
  private static func brokenDown(date: Substring, time: Substring) -> tm? {
    let d = date.split(separator: "-").compactMap { Int32($0) }
    let t = time.split(separator: ":").compactMap { Int32($0) }
    guard d.count == 3, t.count == 3 else { return nil }
    var parts = tm()
    (parts.tm_year, parts.tm_mon, parts.tm_mday) = (d[0] - 1900, d[1] - 1, d[2])
    (parts.tm_hour, parts.tm_min, parts.tm_sec) = (t[0], t[1], t[2])
    return parts
  }
}
