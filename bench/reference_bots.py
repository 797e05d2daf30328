"""Reference bots behind the same kind of webhook as Salpim (FastAPI on uvicorn, the secret-token
header checked), talking to the same fake Bot API, so the benchmark compares like with like.

    python -m bench.reference_bots KIND --port P --api http://127.0.0.1:FAKE --secret S --token T

KIND:
  noop          a FastAPI endpoint that does nothing: the HTTP ceiling of the webhook path here
  echo_stock    (a) stock python-telegram-bot echo bot: Application with its default Bot API client
                (HTTPXRequest), concurrent updates on, updates handed to the Application's update
                queue by the webhook (PTB's "custom webhook" pattern); every update answered with
                one fixed message; nothing stored
  echo_body     (b) the fastest echo bot on PTB: the update parsed into PTB objects
                (Update.de_json) and the reply returned as the webhook response body
                (`{"method": "sendMessage", ...}`) — no outgoing request at all
  echo_aiohttp  (b') the fastest echo that still calls the Bot API: PTB's Bot with the aiohttp
                request backend (bot/aiohttp_request.py), reply sent inside the webhook request
  conv_stock    (c) a stock ConversationHandler implementing the report dialog with in-memory state
                (user_data), default HTTPXRequest; each update is processed inside its webhook
                request (Application.process_update), see ConversationBot below for why
"""
from __future__ import annotations

import argparse
import contextlib
import hmac
import itertools
import warnings
from collections.abc import AsyncIterator
from typing import Any

import orjson
from fastapi import FastAPI, Request, Response

WEBHOOK_PATH = "/telegram/webhook"
FIXED_REPLY = "메시지를 받았습니다. 살핌 벤치마크 에코 봇입니다."
KINDS = ("noop", "echo_stock", "echo_body", "echo_aiohttp", "conv_stock")


def _running(application):  # a telegram.ext.Application (imported lazily by each bot)
    """A FastAPI lifespan that starts and stops a PTB Application with the web server."""
    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with application:
            await application.start()
            yield
            await application.stop()
    return lifespan


def _checker(secret: str):
    expected = secret.encode()

    def ok(request: Request) -> bool:
        given = request.headers.get("x-telegram-bot-api-secret-token", "")
        return bool(expected) and hmac.compare_digest(given.encode(), expected)
    return ok


def _app(lifespan=None) -> FastAPI:
    app = FastAPI(lifespan=lifespan, openapi_url=None, docs_url=None, redoc_url=None)

    @app.get("/healthz")
    async def healthz() -> Response:
        return Response(b"ok")
    return app


def noop_app(api: str, token: str, secret: str) -> FastAPI:
    app = _app()

    @app.post(WEBHOOK_PATH)
    async def webhook(request: Request) -> Response:
        return Response()
    return app


# -- (a) the stock echo bot ---------------------------------------------------------------------
def echo_stock_app(api: str, token: str, secret: str) -> FastAPI:
    from telegram import Update
    from telegram.ext import Application, ContextTypes, TypeHandler

    application = (Application.builder().token(token).base_url(f"{api}/bot").base_file_url(f"{api}/file/bot")
                   .updater(None).concurrent_updates(True).build())

    async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await context.bot.send_message(update.effective_chat.id, FIXED_REPLY)

    application.add_handler(TypeHandler(Update, echo))
    secret_ok = _checker(secret)
    app = _app(_running(application))

    @app.post(WEBHOOK_PATH)
    async def webhook(request: Request) -> Response:
        if not secret_ok(request):
            return Response(status_code=403)
        await application.update_queue.put(Update.de_json(await request.json(), application.bot))
        return Response()
    return app


# -- (b) the fastest echo bots ------------------------------------------------------------------
def echo_body_app(api: str, token: str, secret: str) -> FastAPI:
    from telegram import Bot, Update

    bot = Bot(token, base_url=f"{api}/bot")  # never called: only gives the parsed objects a bot
    secret_ok = _checker(secret)
    app = _app()

    @app.post(WEBHOOK_PATH)
    async def webhook(request: Request) -> Response:
        if not secret_ok(request):
            return Response(status_code=403)
        update = Update.de_json(orjson.loads(await request.body()), bot)
        chat = update.effective_chat
        if chat is None:
            return Response()
        return Response(orjson.dumps({"method": "sendMessage", "chat_id": chat.id, "text": FIXED_REPLY}),
                        media_type="application/json")
    return app


def echo_aiohttp_app(api: str, token: str, secret: str) -> FastAPI:
    from telegram import Bot, Update

    from bot.aiohttp_request import AiohttpRequest

    bot = Bot(token, base_url=f"{api}/bot", request=AiohttpRequest())
    secret_ok = _checker(secret)

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with bot:
            yield

    app = _app(lifespan)

    @app.post(WEBHOOK_PATH)
    async def webhook(request: Request) -> Response:
        if not secret_ok(request):
            return Response(status_code=403)
        update = Update.de_json(orjson.loads(await request.body()), bot)
        if update.effective_chat is not None:
            await bot.send_message(update.effective_chat.id, FIXED_REPLY)
        return Response()
    return app


# -- (c) the stock ConversationHandler doing the report dialog -----------------------------------
WHO = {"self": "본인", "neighbour": "이웃·지인", "honorary_officer": "명예사회복지공무원", "tongban_jang": "통·반장",
       "mandatory_reporter": "신고의무자", "partner_staff": "협력기관 직원", "council_member": "지역사회보장협의체 위원"}
SITUATIONS = {"suicide_risk": "🆘 자살 위험", "violence": "🆘 폭력·학대", "medical": "🆘 응급 의료",
              "money_basics": "생활비·공과금", "isolation": "고립·연락 끊김", "health": "건강·질병",
              "mental_health": "마음 건강", "care_gap": "돌봄 공백", "housing": "집·주거", "job_loss": "일자리·수입",
              "violence_abuse": "폭력·학대 의심", "children_youth": "아동·청소년", "other": "그 밖의 어려움"}
HOUSEHOLDS = {"older_alone": "혼자 사는 어르신", "middle_aged_alone": "혼자 사는 중장년", "young_alone": "혼자 사는 청년",
              "single_parent": "한부모", "older_couple": "어르신 부부", "family_with_children": "아이 있는 가족",
              "caring_family": "돌봄이 필요한 가족", "unknown": "잘 모르겠어요"}
AGES = {"child": "0~12세", "youth": "13~18세", "young_adult": "19~39세", "middle_aged": "40~64세",
        "older": "65~79세", "very_old": "80세 이상", "unknown": "잘 모르겠어요"}
GENDERS = {"female": "여성", "male": "남성", "unknown": "잘 모르겠어요"}
CONTACTS = {"anonymous": "익명으로 할게요", "telegram": "이 대화로만 연락", "phone": "전화번호 남기기"}
NAV = [("nav:back", "⬅ 이전"), ("nav:sos", "🆘 긴급"), ("nav:cancel", "✖ 그만두기")]
MENU = [("menu:report", "위기가구 알리기"), ("menu:status", "내 신고 확인"), ("menu:sos", "🆘 긴급 전화번호")]
(S_WHO, S_SITUATIONS, S_HOUSEHOLD, S_AGE, S_GENDER, S_WHERE, S_ADDRESS, S_DESCRIPTION, S_CONTACT,
 S_REVIEW) = range(10)


def conv_stock_app(api: str, token: str, secret: str) -> FastAPI:
    """Why process_update inside the request, not the update queue: with the queue and concurrent
    updates, a ConversationHandler records a chat's new state only after its callback returns,
    i.e. after sendMessage's answer; a person (or this benchmark) answering the moment the reply
    shows meets the old state and the form goes wrong. Processing in the request keeps one
    chat's updates in order because Telegram (and the load generator) sends the next one only
    after the webhook answered."""
    from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
    from telegram.ext import (
        Application, CallbackQueryHandler, CommandHandler, ContextTypes, ConversationHandler, MessageHandler, filters,
    )
    from telegram.warnings import PTBUserWarning

    warnings.filterwarnings("ignore", category=PTBUserWarning)
    application = (Application.builder().token(token).base_url(f"{api}/bot").base_file_url(f"{api}/file/bot")
                   .updater(None).concurrent_updates(True).build())
    receipts = itertools.count(1)
    dongs: dict[str, str] = {}
    try:
        from bench.scripts import DONGS
        dongs = {code: f"{n + 1}동" for n, code in enumerate(DONGS)}
    except ImportError:  # pragma: no cover
        pass

    def keyboard(options: list[tuple[str, str]], per_row: int, nav: bool = True) -> InlineKeyboardMarkup:
        rows = [[InlineKeyboardButton(label, callback_data=f"|{value}") for value, label in options[i:i + per_row]]
                for i in range(0, len(options), per_row)]
        if nav:
            rows.append([InlineKeyboardButton(label, callback_data=f"|{value}") for value, label in NAV])
        return InlineKeyboardMarkup(rows)

    def q(mapping: dict[str, str]) -> list[tuple[str, str]]:
        return [(f"q:{k}", v) for k, v in mapping.items()]

    async def send(update: Update, context: ContextTypes.DEFAULT_TYPE, text: str, markup=None) -> None:
        if update.callback_query is not None:
            await update.callback_query.answer()
        await context.bot.send_message(update.effective_chat.id, text, reply_markup=markup)

    def value_of(update: Update) -> str:
        data = update.callback_query.data if update.callback_query else ""
        return data.partition("|")[2].removeprefix("q:")

    async def ask(update: Update, context: ContextTypes.DEFAULT_TYPE, state: int, note: str = "") -> int:
        answers = context.user_data.setdefault("answers", {})
        prefix = f"{note}\n" if note else ""
        if state == S_WHO:
            await send(update, context, prefix + "[1/8] 누가 알려 주시나요?", keyboard(q(WHO), 1))
        elif state == S_SITUATIONS:
            picked = answers.setdefault("situations", [])
            opts = [(f"q:toggle:{k}", ("✅ " if k in picked else "") + v) for k, v in SITUATIONS.items()]
            opts.append(("q:done", f"☑ 선택 완료 ({len(picked)})"))
            await send(update, context, prefix + "[2/8] 어떤 어려움이 보이나요? 모두 골라 주세요.\n"
                       "예: 우편물이 쌓여 있다, 며칠째 보이지 않는다, 끼니를 거르는 것 같다", keyboard(opts, 2))
        elif state == S_HOUSEHOLD:
            await send(update, context, prefix + "[3/8] 어떤 가구인가요?", keyboard(q(HOUSEHOLDS), 1))
        elif state == S_AGE:
            await send(update, context, prefix + "[4/8] 나이는 어느 정도인가요?", keyboard(q(AGES), 2))
        elif state == S_GENDER:
            await send(update, context, prefix + "[5/8] 성별은요?", keyboard(q(GENDERS), 3))
        elif state == S_WHERE:
            await send(update, context, prefix + "[6/8] 어느 동인가요?",
                       keyboard([(f"q:dong:{c}", n) for c, n in dongs.items()], 3))
        elif state == S_ADDRESS:
            await send(update, context, prefix + "주소나 건물 이름을 알면 적어 주세요.", keyboard([("q:skip", "건너뛰기")], 1))
        elif state == S_DESCRIPTION:
            await send(update, context, prefix + "[7/8] 무엇을 보셨나요? 자유롭게 적어 주세요.", keyboard([], 1))
        elif state == S_CONTACT:
            await send(update, context, prefix + "[8/8] 연락 방법을 골라 주세요.", keyboard(q(CONTACTS), 1))
        elif state == S_REVIEW:
            summary = "\n".join(f"{k}: {v}" for k, v in answers.items())
            await send(update, context, prefix + "마지막 확인\n" + summary + "\n동의 안내: 신고 내용은 5년간 보관됩니다.",
                       keyboard([("q:file", "동의하고 접수"), ("q:edit", "고치기")], 1, nav=False))
        return state

    def choice(mapping: dict[str, str], key: str, this: int, nxt: int):
        async def handle(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
            value = value_of(update)
            if value not in mapping:
                return await ask(update, context, this, "버튼을 눌러 주세요.")
            context.user_data["answers"][key] = value
            return await ask(update, context, nxt)
        return handle

    async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
        if context.args and context.args[0] == "report":
            context.user_data["answers"] = {}
            return await ask(update, context, S_WHO)
        await send(update, context, "살핌입니다. 무엇을 도와드릴까요?\n위급하면 112·119", keyboard(MENU, 1, nav=False))
        return ConversationHandler.END

    async def situations(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
        value = value_of(update)
        picked = context.user_data["answers"].setdefault("situations", [])
        if value == "done" and picked:
            household = SITUATIONS.keys() - {"suicide_risk", "violence", "medical"}
            return await ask(update, context, S_HOUSEHOLD if set(picked) <= household else S_WHERE)
        if value.startswith("toggle:") and value[7:] in SITUATIONS:
            sid = value[7:]
            picked.remove(sid) if sid in picked else picked.append(sid)
        return await ask(update, context, S_SITUATIONS)

    async def where(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
        value = value_of(update)
        if not value.startswith("dong:"):
            return await ask(update, context, S_WHERE, "버튼을 눌러 주세요.")
        context.user_data["answers"]["where"] = value[5:]
        return await ask(update, context, S_ADDRESS)

    async def address(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
        if update.message and update.message.text:
            context.user_data["answers"]["address"] = update.message.text[:200]
        return await ask(update, context, S_DESCRIPTION)

    async def description(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
        text = (update.message.text or "").strip()
        if len(text) < 2:
            return await ask(update, context, S_DESCRIPTION, "조금 더 적어 주세요.")
        context.user_data["answers"]["description"] = text[:1000]
        return await ask(update, context, S_CONTACT)

    async def review(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
        if value_of(update) != "file":
            return await ask(update, context, S_REVIEW)
        receipt = f"R-{next(receipts):07d}"
        context.bot_data.setdefault("reports", {}).setdefault(update.effective_chat.id, []).append(
            (receipt, dict(context.user_data.pop("answers"))))
        await send(update, context, f"접수되었습니다. 접수번호 {receipt}\n담당 동 주민센터에서 확인합니다.",
                   keyboard(MENU, 1, nav=False))
        return ConversationHandler.END

    async def cancel(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
        context.user_data.pop("answers", None)
        await send(update, context, "그만두었습니다.", keyboard(MENU, 1, nav=False))
        return ConversationHandler.END

    async def status(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        mine = context.bot_data.get("reports", {}).get(update.effective_chat.id, [])
        text = "\n".join(f"{r}: 접수됨" for r, _ in mine) or "아직 알려 주신 신고가 없어요."
        await send(update, context, text, keyboard(MENU, 1, nav=False))

    async def help_(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await send(update, context, "/start 처음으로 · /status 내 신고 · /cancel 그만두기 · 위급하면 112·119")

    async def menu(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        value = value_of(update)
        if value == "menu:status":
            return await status(update, context)
        await send(update, context, "위급하면 112(경찰)·119(구급)·109(자살 예방)", keyboard(MENU, 1, nav=False))

    press = r"^\d*\|q:"
    conversation = ConversationHandler(
        entry_points=[CommandHandler("start", start)],
        states={
            S_WHO: [CallbackQueryHandler(choice(WHO, "who", S_WHO, S_SITUATIONS), pattern=press)],
            S_SITUATIONS: [CallbackQueryHandler(situations, pattern=press)],
            S_HOUSEHOLD: [CallbackQueryHandler(choice(HOUSEHOLDS, "household", S_HOUSEHOLD, S_AGE), pattern=press)],
            S_AGE: [CallbackQueryHandler(choice(AGES, "age_band", S_AGE, S_GENDER), pattern=press)],
            S_GENDER: [CallbackQueryHandler(choice(GENDERS, "gender", S_GENDER, S_WHERE), pattern=press)],
            S_WHERE: [CallbackQueryHandler(where, pattern=press)],
            S_ADDRESS: [CallbackQueryHandler(address, pattern=press),
                        MessageHandler(filters.TEXT & ~filters.COMMAND, address)],
            S_DESCRIPTION: [MessageHandler(filters.TEXT & ~filters.COMMAND, description)],
            S_CONTACT: [CallbackQueryHandler(choice(CONTACTS, "contact", S_CONTACT, S_REVIEW), pattern=press)],
            S_REVIEW: [CallbackQueryHandler(review, pattern=press)],
        },
        fallbacks=[CommandHandler("cancel", cancel), CallbackQueryHandler(cancel, pattern=r"^\d*\|nav:cancel")],
    )
    application.add_handler(conversation)
    application.add_handler(CommandHandler("status", status))
    application.add_handler(CommandHandler("help", help_))
    application.add_handler(CallbackQueryHandler(menu, pattern=r"^\d*\|menu:"))
    secret_ok = _checker(secret)
    app = _app(_running(application))

    @app.post(WEBHOOK_PATH)
    async def webhook(request: Request) -> Response:
        if not secret_ok(request):
            return Response(status_code=403)
        await application.process_update(Update.de_json(await request.json(), application.bot))
        return Response()
    return app


FACTORIES = {"noop": noop_app, "echo_stock": echo_stock_app, "echo_body": echo_body_app,
             "echo_aiohttp": echo_aiohttp_app, "conv_stock": conv_stock_app}


def build(kind: str, api: str, token: str, secret: str) -> Any:
    return FACTORIES[kind](api.rstrip("/"), token, secret)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.reference_bots", description="a reference bot")
    parser.add_argument("kind", choices=KINDS)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--api", required=True, help="Bot API root, e.g. http://127.0.0.1:8081")
    parser.add_argument("--token", default="123456:BENCH-TOKEN")
    parser.add_argument("--secret", required=True)
    args = parser.parse_args(argv)
    import uvicorn
    uvicorn.run(build(args.kind, args.api, args.token, args.secret), host=args.host, port=args.port,
                log_level="warning", access_log=False)


if __name__ == "__main__":
    main()
