import CSystemShims

/// What the process does first, before it opens anything.
public enum ProcessHygiene {
  /// Makes descriptors 0–2 valid (opening /dev/null where one is closed), so
  /// nothing we open later lands on them, and marks every other inherited
  /// descriptor close-on-exec, so no descriptor of our parent's reaches a script;
  /// raises our descriptor limit; and ignores SIGPIPE. It first records
  /// which signals our parent left ignored, for scripts to inherit.
  public static func prepare() {
    // First of all, before any disposition of ours: what our parent ignored
    // (nohup's SIGHUP, a background job's SIGINT) stays ignored in scripts.
    orc_record_inherited_ignores()
    for descriptor in Int32(0)...2 where fcntl(descriptor, F_GETFD) == -1 {
      // open(2) takes the lowest free number: this one, or (when a lower one
      // is closed too, filled in its own round) a higher one copied down.
      guard let opened = try? systemCall("open", { open("/dev/null", O_RDWR) }) else { continue }
      if opened != descriptor {
        dup2(opened, descriptor)
        FileDescriptor(owning: opened).close()
      }
    }
    _ = orc_cloexec_from(3)
    // Never run out of descriptors ourselves; scripts still get the limit
    // we were started with (the spawn puts it back in each child).
    _ = orc_raise_descriptor_limit()
    // A closed or broken stdout (`os-refresh-config | head`) must not kill
    // the refresh: writes then fail with EPIPE and the run goes on. Scripts
    // get the default disposition back when they are spawned.
    signal(SIGPIPE, SIG_IGN)
  }

  /// Holds SIGTERM, SIGINT and SIGHUP blocked in the calling thread (and the
  /// threads it starts) for the rest of the process: a refresh reads them
  /// from its signalfd while it runs, so one that arrives before (while the
  /// history opens) is read as its run starts, and one that arrives after
  /// its run ended (a second signal while it writes its last records) stays
  /// pending and never kills it: the first termination signal decides how
  /// it exits. Scripts start with an empty mask.
  public static func holdTerminationSignals() {
    var mask = sigset_t()
    sigemptyset(&mask)
    for signal in [SIGTERM, SIGINT, SIGHUP] { sigaddset(&mask, signal) }
    pthread_sigmask(SIG_BLOCK, &mask, nil)
  }
}
