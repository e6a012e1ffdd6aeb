/// A thread of ours that never takes a signal.
///
/// It starts with every signal blocked, so a termination signal is never
/// delivered to it (its default action would end the process before the
/// runner, which reads signals from a signalfd, could pass it on); the
/// calling thread's mask is restored.
public enum QuietThread {
  /// Starts `body` on a new thread; nil when none could be started.
  public static func start(_ body: @escaping @Sendable () -> Void) -> pthread_t? {
    var all = sigset_t()
    var previous = sigset_t()
    sigfillset(&all)
    pthread_sigmask(SIG_SETMASK, &all, &previous)
    defer { pthread_sigmask(SIG_SETMASK, &previous, nil) }
    final class Box: @unchecked Sendable {
      let body: @Sendable () -> Void
      init(_ body: @escaping @Sendable () -> Void) { self.body = body }
    }
    var thread = pthread_t()
    let box = Unmanaged.passRetained(Box(body))
    let started = pthread_create(
      &thread, nil,
      { context in
        let box = Unmanaged<Box>.fromOpaque(context!).takeRetainedValue()
        box.body()
        return nil
      }, box.toOpaque())
    guard started == 0 else {
      box.release()
      return nil
    }
    return thread
  }

  /// Starts `loop` on a new thread with `object`, which the thread does not
  /// hold: the object's deinit must stop and join the thread before
  /// anything the loop uses goes away. A closure capturing the object, even
  /// `unowned(unsafe)`, holds it for the length of the call, so a loop that
  /// only its deinit ends would keep it, and itself, forever.
  public static func start<Object: AnyObject & Sendable>(
    unretained object: Object, _ loop: @escaping @Sendable (Object) -> Void
  ) -> pthread_t? {
    let unretained = Unmanaged.passUnretained(object)
    return start { unretained._withUnsafeGuaranteedRef { loop($0) } }
  }
}
