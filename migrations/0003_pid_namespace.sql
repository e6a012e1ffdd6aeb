-- The PID namespace a run's process lived in (`pid:[4026531836]`, as
-- /proc/self/ns/pid reads): its pid means something only there, so a run
-- recorded in another namespace (a container) is never judged dead, and
-- never marked abandoned, from this one. Runs recorded before are ''.
ALTER TABLE runs ADD COLUMN pid_namespace TEXT NOT NULL DEFAULT '';
