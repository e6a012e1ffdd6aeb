/// A failed system call: which call, on what, and the `errno` it set.
public struct SystemError: Error, Equatable, CustomStringConvertible, Sendable {
  /// The name of the call that failed, such as `open` or `execve`.
  public let call: String
  /// The `errno` value the call reported.
  public let code: Int32
  /// What the call was applied to (a path, a pid), when that helps the reader.
  public let subject: String?
  /// Our own words for a refusal the C library has no text for.
  public let explanation: String?

  /// Creates an error for `call` with the given `errno` value.
  public init(call: String, code: Int32, subject: String? = nil, explanation: String? = nil) {
    self.call = call
    self.code = code
    self.subject = subject
    self.explanation = explanation
  }

  /// The C library's text for the code, e.g. "Permission denied", or ours.
  public var reason: String { explanation ?? String(cString: strerror(code)) }

  public var description: String {
    if let subject { return "\(call) \(subject): \(reason)" }
    return "\(call): \(reason)"
  }
}

/// Runs a system call, retrying it while it fails with `EINTR`, and turns a
/// `-1` return into a ``SystemError`` naming the call.
///
/// Every system call that can be interrupted goes through here, as swift-nio's
/// `System.swift` does: no other code loops on `EINTR`. Callers that expect a
/// failure as part of normal work (`EAGAIN` on a non-blocking read) catch it
/// by its code.
@discardableResult
public func systemCall<T: FixedWidthInteger>(
  _ call: String, subject: String? = nil, _ body: () -> T
) throws(SystemError) -> T {
  while true {
    let result = body()
    if result != -1 { return result }
    let code = errno
    if code == EINTR { continue }
    throw SystemError(call: call, code: code, subject: subject)
  }
}

/// Writes all of `bytes` to `descriptor` (which we do not own: our stdout or
/// stderr, say), retrying short writes. Returns false when the descriptor no
/// longer takes data (closed, EPIPE): the caller goes on without it.
@discardableResult
public func writeFully(_ descriptor: Int32, _ bytes: UnsafeRawBufferPointer) -> Bool {
  var offset = 0
  while offset < bytes.count {
    guard
      let written = try? systemCall("write", { write(descriptor, bytes.baseAddress! + offset, bytes.count - offset) }),
      written > 0
    else { return false }
    offset += written
  }
  return true
}

/// Writes `text` to `descriptor` as UTF-8; see ``writeFully(_:_:)``.
@discardableResult
public func writeFully(_ descriptor: Int32, _ text: String) -> Bool {
  var text = text
  return text.withUTF8 { writeFully(descriptor, UnsafeRawBufferPointer($0)) }
}
