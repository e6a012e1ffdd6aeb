import SystemInterface

/// The TCP sockets of a network namespace, as /proc/PID/net/tcp and tcp6
/// list them, by inode: what a process's `socket:[INODE]` descriptor is.
public struct SocketTable: Sendable {
  /// One TCP socket.
  public struct Socket: Sendable, Equatable {
    public var local: String
    public var remote: String
    /// The kernel's state name: `ESTABLISHED`, `SYN_SENT`, `LISTEN`…
    public var state: String
  }

  public var sockets: [UInt64: Socket]

  /// The TCP sockets seen from process `pid`'s network namespace.
  public static func of(pid: Int64) -> SocketTable {
    var table = SocketTable(sockets: [:])
    for (file, isIPv6) in [("tcp", false), ("tcp6", true)] {
      guard let (bytes, _) = try? SmallFile.read("/proc/\(pid)/net/\(file)", limit: 16 << 20) else { continue }
      table.sockets.merge(SocketTable(text: String(decoding: bytes, as: UTF8.self), isIPv6: isIPv6).sockets) { a, _ in a
      }
    }
    return table
  }

  init(sockets: [UInt64: Socket]) { self.sockets = sockets }

  /// The sockets of one /proc/net/tcp(6) `text`: after the heading,
  /// `sl local rem st tx:rx tr:when retrnsmt uid timeout inode …`.
  public init(text: String, isIPv6: Bool) {
    sockets = [:]
    for line in text.split(separator: "\n").dropFirst() {
      let fields = line.split(separator: " ")
      guard fields.count >= 10, let inode = UInt64(fields[9]), inode != 0,
        let local = Self.address(fields[1], isIPv6: isIPv6), let remote = Self.address(fields[2], isIPv6: isIPv6),
        let code = UInt8(fields[3], radix: 16)
      else { continue }
      sockets[inode] = Socket(local: local, remote: remote, state: Self.stateName(code))
    }
  }

  /// The state names of include/net/tcp_states.h.
  static func stateName(_ code: UInt8) -> String {
    let names = [
      "ESTABLISHED", "SYN_SENT", "SYN_RECV", "FIN_WAIT1", "FIN_WAIT2", "TIME_WAIT", "CLOSE", "CLOSE_WAIT",
      "LAST_ACK", "LISTEN", "CLOSING", "NEW_SYN_RECV",
    ]
    return code >= 1 && Int(code) <= names.count ? names[Int(code) - 1] : "STATE_\(code)"
  }

  /// `0100007F:1F90` (an IPv4 address as a host-order word) as `127.0.0.1:8080`;
  /// IPv6 as four host-order words, written `[…]:port`.
  static func address(_ field: Substring, isIPv6: Bool) -> String? {
    let parts = field.split(separator: ":")
    guard parts.count == 2, let port = UInt16(parts[1], radix: 16) else { return nil }
    let hex = Array(parts[0].utf8)
    guard hex.count == (isIPv6 ? 32 : 8) else { return nil }
    // Each 32-bit word is the kernel's in little-endian order: its bytes reversed.
    var bytes: [UInt8] = []
    for word in stride(from: 0, to: hex.count, by: 8) {
      var wordBytes: [UInt8] = []
      for index in stride(from: word, to: word + 8, by: 2) {
        guard let byte = UInt8(String(decoding: hex[index..<index + 2], as: UTF8.self), radix: 16) else { return nil }
        wordBytes.append(byte)
      }
      bytes += wordBytes.reversed()
    }
    guard isIPv6 else { return bytes.map(String.init).joined(separator: ".") + ":\(port)" }
    if bytes.prefix(10).allSatisfy({ $0 == 0 }) && bytes[10] == 0xff && bytes[11] == 0xff {
      return bytes.suffix(4).map(String.init).joined(separator: ".") + ":\(port)"
    }
    let groups = stride(from: 0, to: 16, by: 2).map {
      String(UInt16(bytes[$0]) << 8 | UInt16(bytes[$0 + 1]), radix: 16)
    }
    return "[" + groups.joined(separator: ":") + "]:\(port)"
  }
}
