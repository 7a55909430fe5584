// GnuTLS, as far as Debian's libmicrohttpd.a refers to it, for the static
// build (KAFKA_AGENT_STATIC): the HTTP side port without HTTPS.
//
// Debian builds libmicrohttpd with HTTPS support, so its archive refers to
// GnuTLS, whose own static link needs p11-kit and libunistring, of which
// Debian ships no static archive. The agent's HTTP side port is plain HTTP
// on the pod network (the kubelet's preStop httpGet and Prometheus scrape it
// without TLS) and never starts a daemon with MHD_USE_TLS, so none of these
// is ever called but the two that libmicrohttpd's library constructor and
// destructor call unconditionally: gnutls_global_init, which succeeds, and
// gnutls_global_deinit. Every other one aborts with the message below, which
// would mean the agent started an HTTPS daemon. The dynamic build
// (-DKAFKA_AGENT_STATIC=OFF) links Debian's libmicrohttpd.so and its GnuTLS.
//
// Declared without <gnutls/gnutls.h>: only the symbols matter to the linker,
// and only the two above are ever called (their real signatures: int
// gnutls_global_init(void), void gnutls_global_deinit(void)). The list is what
// `nm -u` reports for libmicrohttpd.a 0.9.75 (Debian 12); a symbol missing
// here fails the static link, naming it.
#include <cstdio>
#include <cstdlib>

namespace {

[[noreturn]] void NoTls(const char* function) {
  std::fprintf(stderr,
               "kafka-agent: %s called: this agent is linked statically "
               "without GnuTLS, and its HTTP side port serves plain HTTP only "
               "(agent/link/no_gnutls.cc)\n",
               function);
  std::abort();
}

}  // namespace

// A function that must never run: its name and an abort.
#define KA_NO_TLS(name) \
  void name() { NoTls(#name); }

extern "C" {

int gnutls_global_init() { return 0; }  // GNUTLS_E_SUCCESS
void gnutls_global_deinit() {}
// gnutls_alloc_function gnutls_malloc: a variable, not a function.
void* (*gnutls_malloc)(size_t) = std::malloc;

KA_NO_TLS(gnutls_alpn_set_protocols)
KA_NO_TLS(gnutls_bye)
KA_NO_TLS(gnutls_certificate_allocate_credentials)
KA_NO_TLS(gnutls_certificate_free_credentials)
KA_NO_TLS(gnutls_certificate_server_set_request)
KA_NO_TLS(gnutls_certificate_set_dh_params)
KA_NO_TLS(gnutls_certificate_set_retrieve_function2)
KA_NO_TLS(gnutls_certificate_set_retrieve_function3)
KA_NO_TLS(gnutls_certificate_set_x509_key_mem)
KA_NO_TLS(gnutls_certificate_set_x509_key_mem2)
KA_NO_TLS(gnutls_certificate_set_x509_trust_mem)
KA_NO_TLS(gnutls_cipher_get)
KA_NO_TLS(gnutls_credentials_set)
KA_NO_TLS(gnutls_deinit)
KA_NO_TLS(gnutls_dh_params_deinit)
KA_NO_TLS(gnutls_dh_params_import_pkcs3)
KA_NO_TLS(gnutls_dh_params_init)
KA_NO_TLS(gnutls_handshake)
KA_NO_TLS(gnutls_init)
KA_NO_TLS(gnutls_priority_deinit)
KA_NO_TLS(gnutls_priority_init)
KA_NO_TLS(gnutls_priority_set)
KA_NO_TLS(gnutls_protocol_get_version)
KA_NO_TLS(gnutls_psk_allocate_server_credentials)
KA_NO_TLS(gnutls_psk_free_server_credentials)
KA_NO_TLS(gnutls_psk_set_server_credentials_function)
KA_NO_TLS(gnutls_record_check_pending)
KA_NO_TLS(gnutls_record_get_direction)
KA_NO_TLS(gnutls_record_recv)
KA_NO_TLS(gnutls_record_send)
KA_NO_TLS(gnutls_session_get_ptr)
KA_NO_TLS(gnutls_session_set_ptr)
KA_NO_TLS(gnutls_strerror)
KA_NO_TLS(gnutls_transport_set_int2)

}  // extern "C"

#undef KA_NO_TLS
