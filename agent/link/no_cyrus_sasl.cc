// The Cyrus SASL client API, answering "mechanism not available", for the
// static build (KAFKA_AGENT_STATIC).
//
// librdkafka calls Cyrus SASL for one mechanism only: GSSAPI (Kerberos).
// PLAIN, SCRAM-SHA-256/512 and OAUTHBEARER are built into librdkafka and do
// not come here. Debian's libsasl2.a cannot be linked on its own: it carries
// every Cyrus plug-in (GSSAPI, LDAP, MySQL, PostgreSQL, SQLite, Berkeley DB)
// and needs all of their libraries, of which Kerberos has no static archive.
// Nor would Kerberos work in the FROM-scratch image: it needs krb5.conf, a
// keytab and kinit, none of which are there.
//
// So the static agent links these definitions instead of libsasl2:
// initialisation succeeds (librdkafka calls it at its first client, whatever
// the mechanism), and opening a GSSAPI connection fails with the message below,
// which librdkafka logs as the broker connection's error. The dynamic build
// (-DKAFKA_AGENT_STATIC=OFF) links Debian's libsasl2 instead, where GSSAPI
// works with libsasl2-modules-gssapi-mit installed.
#include <sasl/sasl.h>

namespace {

constexpr char kNoGssapi[] =
    "SASL mechanism GSSAPI (Kerberos) is not available in this kafka-agent: "
    "it is linked statically, without Cyrus SASL. Use sasl.mechanism=PLAIN, "
    "SCRAM-SHA-256, SCRAM-SHA-512 or OAUTHBEARER, or build the agent with "
    "-DKAFKA_AGENT_STATIC=OFF and install libsasl2-modules-gssapi-mit";

}  // namespace

extern "C" {

int sasl_client_init(const sasl_callback_t* /*callbacks*/) { return SASL_OK; }

int sasl_client_new(const char* /*service*/, const char* /*server_fqdn*/,
                    const char* /*iplocalport*/, const char* /*ipremoteport*/,
                    const sasl_callback_t* /*prompt_supp*/, unsigned /*flags*/,
                    sasl_conn_t** pconn) {
  if (pconn != nullptr) *pconn = nullptr;
  return SASL_NOMECH;
}

int sasl_client_start(sasl_conn_t* /*conn*/, const char* /*mechlist*/,
                      sasl_interact_t** /*prompt_need*/,
                      const char** /*clientout*/, unsigned* /*clientoutlen*/,
                      const char** /*mech*/) {
  return SASL_NOMECH;
}

int sasl_client_step(sasl_conn_t* /*conn*/, const char* /*serverin*/,
                     unsigned /*serverinlen*/,
                     sasl_interact_t** /*prompt_need*/,
                     const char** /*clientout*/, unsigned* /*clientoutlen*/) {
  return SASL_NOMECH;
}

void sasl_dispose(sasl_conn_t** pconn) {
  if (pconn != nullptr) *pconn = nullptr;
}

const char* sasl_errstring(int saslerr, const char* /*langlist*/,
                           const char** outlang) {
  if (outlang != nullptr) *outlang = "en-us";
  return saslerr == SASL_OK ? "successful result" : kNoGssapi;
}

const char* sasl_errdetail(sasl_conn_t* /*conn*/) { return kNoGssapi; }

int sasl_getprop(sasl_conn_t* /*conn*/, int /*propnum*/, const void** pvalue) {
  if (pvalue != nullptr) *pvalue = nullptr;
  return SASL_NOMECH;
}

int sasl_listmech(sasl_conn_t* /*conn*/, const char* /*user*/,
                  const char* /*prefix*/, const char* /*sep*/,
                  const char* /*suffix*/, const char** result, unsigned* plen,
                  int* pcount) {
  if (result != nullptr) *result = "";
  if (plen != nullptr) *plen = 0;
  if (pcount != nullptr) *pcount = 0;
  return SASL_NOMECH;
}

}  // extern "C"
