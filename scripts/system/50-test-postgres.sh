# PostgreSQL server for the shared audit log (--audit postgresql://...). The tests start their own
# throwaway cluster on loopback with initdb/pg_ctl (as the 'postgres' account when run as root).
need_deb postgresql
