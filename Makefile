# Two commands set everything up on a fresh machine: `make run` and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
export FLASK_APP := app:create_app
HOST   ?= 127.0.0.1
PORT   ?= 8080

.PHONY: i18n-extract run serve bind-check install install-test assets translations migrate demo test bench clean chromium

run: install assets translations migrate demo serve

$(BIN)/activate:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

$(VENV)/.installed: $(BIN)/activate requirements.txt constraints.txt
	$(BIN)/pip install -q -r requirements.txt -c constraints.txt
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed requirements-test.txt constraints.txt
	$(BIN)/pip install -q -r requirements-test.txt -c constraints.txt
	touch $@

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test

# Front-end assets (bpmn-js, charts) come from npm with a lockfile, never a CDN. form-js pulls in
# @carbon/grid and @carbon/layout, whose install scripts report the build to IBM: switched off.
assets:
	@if [ -f package.json ]; then \
	  [ -d node_modules ] && [ node_modules/.package-lock.json -nt package-lock.json ] || \
	    IBM_TELEMETRY_DISABLED=true npm ci --no-audit --no-fund; \
	  npm run --silent build; \
	fi

translations: install
	$(BIN)/pybabel compile -d app/translations

migrate: install
	$(BIN)/flask db upgrade
	$(BIN)/flask init

demo: install
	$(BIN)/flask seed-demo

# Web server, job worker, a local mail sink (prints mails; set MAIL_SERVER for a real one) and the inbound
# mail endpoint (`flask mail-in`, 127.0.0.1:2525 by default). Ctrl-C stops all.
serve: bind-check
	@echo "Serving on http://$(HOST):$(PORT)  (Ctrl-C to stop)"
	@trap 'kill 0' INT TERM EXIT; \
	$(BIN)/python -m aiosmtpd -n -l 127.0.0.1:8025 & \
	$(BIN)/flask worker & \
	$(BIN)/flask mail-in & \
	$(BIN)/gunicorn -w 2 -k gthread --threads 4 --keep-alive 5 -b $(HOST):$(PORT) --access-logfile - "app:create_app()"

# A bind address other than loopback exposes the demo accounts to the network: say so loudly.
bind-check:
	@case "$(HOST)" in 127.*|localhost|::1) ;; *) \
	  printf '\n*** WARNING: serving on %s, reachable from other machines. Every demo user (admin included)\n*** logs in with the password "%s" (DEMO_PASSWORD). Use it for a demo only.\n\n' \
	    "$(HOST)" "$$($(BIN)/python -c 'from config import Config; print(Config.DEMO_PASSWORD)')" >&2;; esac

# Debian's chromium (and a Chinese font) drive the browser tests (test tools cannot download browsers here).
chromium:
	@command -v chromium >/dev/null && fc-list :lang=zh | grep -q . || { apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-wqy-microhei >/dev/null; }

test: install-test assets translations chromium
	$(BIN)/pytest $(PYTEST_ARGS)

bench: install-test translations
	$(BIN)/python -m bench $(BENCH_ARGS)

clean:
	rm -rf $(VENV) node_modules app/static/dist instance

# Refresh the catalogues after adding strings; then translate the empty msgstr in zh.
i18n-extract: install
	$(BIN)/pybabel extract -F babel.cfg -k lazy_gettext -k _l -o app/translations/messages.pot .
	$(BIN)/pybabel update -N -i app/translations/messages.pot -d app/translations
	$(BIN)/python tools/po_fill.py
