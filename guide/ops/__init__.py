"""Starting processes and writing other programs' config: the one-machine stack (``stack``) and
its scaled form behind nginx (``scaled``, ``nginx``), the dialogue server's ``endpoints.yml`` and
``credentials.yml`` (``rasa_endpoints``, ``rasa_credentials``) and the NLU word lists
(``nlu_export``). The CLI uses these; the guide service's app never imports them."""
