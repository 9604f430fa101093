"""Pushes the code to the patient's bound WeChat as a template message
(``identity.wechat``, docs/wechat.md): the guide's mode 2, 消息订阅后通过微信消息接收验证码.

It reaches a patient only when that patient has a live binding (and the
official account and the code template are set). The message goes after the
issuing transaction commits; a WeChat failure is logged and never fails the
issue (the code is on the patient's pages, when they have a phone of record,
and the hospital can ask for a new one).
"""

from identity.push import BasePushBackend, PushMessage
from identity.wechat import code_template, configured
from identity.wechat.selectors import live_binding
from identity.wechat.send import code_push


class WeChatPushBackend(BasePushBackend):
    name = "wechat"
    reaches_patient = False  # per patient: see reaches()

    def reaches(self, patient_digest: str) -> bool:
        if not (patient_digest and configured() and code_template()):
            return False
        return live_binding(patient_digest) is not None

    def push(self, message: PushMessage) -> bool:
        if not message.patient_digest:
            return False
        return code_push(
            patient_digest=message.patient_digest,
            code=message.code,
            expires_at=message.expires_at,
            reference=message.reference,
        )
