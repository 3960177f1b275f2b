SUMMARY = "A minimal OCI container image: a process supervisor running a demo web service"
DESCRIPTION = "busybox, the supervisor chosen by CONTAINER_SUPERVISOR as the entrypoint (runsvdir \
or s6-svscan on /etc/service), and httpd-demo, a busybox httpd running as the httpd user."
LICENSE = "MIT"

inherit image

# The supervisor's packages and its command line as PID 1. busybox runsvdir as PID 1 would never
# exit on a signal (it behaves as a system's init), so runit-container-init runs it and stops the
# services on SIGTERM; s6-svscan is made to be PID 1 and brings everything down on SIGTERM.
SUPERVISOR_CHOICE = "${@(() => { const s = d.getVar('CONTAINER_SUPERVISOR'); if (s !== 'runit' && s !== 's6') bb.fatal('CONTAINER_SUPERVISOR is ' + s + ': runit or s6'); return s; })()}"
SUPERVISOR_PACKAGES = "${@{ runit: 'container-init', s6: 's6 execline' }[d.getVar('SUPERVISOR_CHOICE')]}"
SUPERVISOR_ENTRYPOINT = "${@{ runit: '/sbin/runit-container-init', s6: 's6-svscan /etc/service' }[d.getVar('SUPERVISOR_CHOICE')]}"

IMAGE_INSTALL = "base-files base-passwd busybox httpd-demo ${SUPERVISOR_PACKAGES}"
IMAGE_FSTYPES = "tar.zst oci"
# A container runs on the host's kernel.
IMAGE_KERNEL = ""

OCI_IMAGE_ENTRYPOINT = "${SUPERVISOR_ENTRYPOINT}"
OCI_IMAGE_STOPSIGNAL = "SIGTERM"
OCI_IMAGE_PORTS = "80/tcp"
OCI_IMAGE_LABELS = "org.opencontainers.image.title=${PN} io.bake.supervisor=${CONTAINER_SUPERVISOR}"
