// Birth date: typed as ۱۳۷۰/۰۵/۲۱ or ۱۳۷۰۰۵۲۱ (either digit set), or picked from a Jalali calendar
// that opens below the field. The calendar is plain buttons and selects, so it works by keyboard alone.
// inputmode="decimal": big digit keys plus a separator key ("." or "٫", which the domain reads as "/")
// on Android and iOS keypads, where "numeric" often has none; the eight digits need no separator at all.
import { jalaaliMonthLength, toGregorian } from "jalaali-js";
import { useEffect, useRef, useState } from "preact/hooks";
import { toLatinDigits } from "../../../domain/digits.ts";
import { formatJalaliDate, gregorianToJalali, MIN_BIRTH_YEAR } from "../../../domain/jalali-date.ts";
import { ErrorMessage, fieldId } from "../form.tsx";
import { useI18n } from "../i18n.ts";

const MONTHS = 12;

/** The year and month typed so far (the calendar opens there), and the day once it is typed too. */
function parseLoose(value: string): { jy: number; jm: number; jd?: number } | undefined {
  const m = /^(\d{4})[/\-.٫,]?(\d{1,2})(?:[/\-.٫,]?(\d{1,2}))?/.exec(toLatinDigits(value.trim()));
  if (!m) return undefined;
  const jy = Number(m[1]);
  const jm = Number(m[2]);
  if (jy < MIN_BIRTH_YEAR || jm < 1 || jm > MONTHS) return undefined;
  const jd = m[3] ? Number(m[3]) : undefined;
  return jd && jd <= jalaaliMonthLength(jy, jm) ? { jy, jm, jd } : { jy, jm };
}

export function JalaliDateField(p: {
  field: string;
  label: string;
  value: string;
  onValue: (value: string) => void;
  onBlur?: () => void;
  error?: string | undefined;
}) {
  const { t, num } = useI18n();
  const id = fieldId(p.field);
  const today = gregorianToJalali(new Date());
  const [open, setOpen] = useState(false);
  const [view, setView] = useState(() => parseLoose(p.value) ?? { jy: 1370, jm: 1 });
  const toggleRef = useRef<HTMLButtonElement>(null);

  const typed = parseLoose(p.value);
  const toggle = () => {
    if (!open) setView(typed ? { jy: typed.jy, jm: typed.jm } : view);
    setOpen(!open);
  };
  // Opened: the focus goes to the typed day, else the first, so arrows and Enter start there.
  useEffect(() => {
    if (!open) return;
    const grid = document.getElementById(`${id}-calendar`);
    (
      grid?.querySelector<HTMLButtonElement>(".calendar__day[aria-pressed='true']") ??
      grid?.querySelector("select")
    )?.focus();
  }, [open]);
  const pick = (jd: number) => {
    p.onValue(num(formatJalaliDate({ jy: view.jy, jm: view.jm, jd })));
    setOpen(false);
    document.getElementById(id)?.focus();
  };
  // Escape closes it wherever the focus is in the field (the input, the button or the calendar); from
  // inside the calendar the focus goes back to the button that opened it.
  const close = (e: KeyboardEvent) => {
    if (e.key !== "Escape" || !open) return;
    e.preventDefault();
    setOpen(false);
    if ((e.target as Element).closest(".calendar")) toggleRef.current?.focus();
  };

  const g = toGregorian(view.jy, view.jm, 1);
  // The Persian week starts on Saturday: getUTCDay() 6 (Saturday) is the first column.
  const offset = (new Date(Date.UTC(g.gy, g.gm - 1, g.gd)).getUTCDay() + 1) % 7;
  const days = jalaaliMonthLength(view.jy, view.jm);
  const years = Array.from({ length: today.jy - MIN_BIRTH_YEAR + 1 }, (_, i) => today.jy - i);
  const describedBy = `${id}-hint${p.error ? ` ${id}-error` : ""}`;

  return (
    <div class={`form-group${p.error ? " form-group--error" : ""}`}>
      <label class="label" for={id}>
        {p.label}
        <span aria-hidden="true"> *</span>
      </label>
      <p id={`${id}-hint`} class="hint">
        {t("birthDateHint")}
      </p>
      <ErrorMessage id={`${id}-error`} message={p.error} />
      <div class="date-row">
        <input
          id={id}
          name={p.field}
          class="input input--short"
          value={p.value}
          onInput={(e) => p.onValue(e.currentTarget.value)}
          onBlur={p.onBlur}
          onKeyDown={close}
          inputMode="decimal"
          autoComplete="off"
          placeholder={num("1370/05/21")}
          aria-describedby={describedBy}
          aria-invalid={p.error ? "true" : undefined}
          aria-required="true"
          dir="ltr"
        />
        <button
          type="button"
          class="button button--secondary"
          ref={toggleRef}
          aria-expanded={open ? "true" : "false"}
          aria-controls={`${id}-calendar`}
          onClick={toggle}
          onKeyDown={close}
        >
          {t("calendarOpen")}
        </button>
      </div>
      {open && (
        <fieldset id={`${id}-calendar`} class="calendar" onKeyDown={close}>
          <legend class="visually-hidden">{t("calendarLabel")}</legend>
          <div class="calendar__head">
            <label class="visually-hidden" for={`${id}-year`}>
              {t("calendarYear")}
            </label>
            <select
              id={`${id}-year`}
              class="select"
              value={String(view.jy)}
              onChange={(e) => setView({ ...view, jy: Number(e.currentTarget.value) })}
            >
              {years.map((y) => (
                <option key={y} value={String(y)}>
                  {num(y)}
                </option>
              ))}
            </select>
            <label class="visually-hidden" for={`${id}-month`}>
              {t("calendarMonth")}
            </label>
            <select
              id={`${id}-month`}
              class="select"
              value={String(view.jm)}
              onChange={(e) => setView({ ...view, jm: Number(e.currentTarget.value) })}
            >
              {Array.from({ length: MONTHS }, (_, i) => (
                <option key={i} value={String(i + 1)}>
                  {t(`month${i + 1}`)}
                </option>
              ))}
            </select>
          </div>
          <div class="calendar__grid">
            {Array.from({ length: 7 }, (_, i) => (
              <span key={`w${i}`} class="calendar__weekday" aria-hidden="true">
                {t(`weekday${i}`)}
              </span>
            ))}
            {Array.from({ length: offset }, (_, i) => (
              <span key={`e${i}`} />
            ))}
            {Array.from({ length: days }, (_, i) => (
              <button
                type="button"
                key={i}
                class="calendar__day"
                aria-pressed={
                  typed?.jd === i + 1 && typed.jy === view.jy && typed.jm === view.jm ? "true" : "false"
                }
                aria-label={num(`${i + 1} ${t(`month${view.jm}`)} ${view.jy}`)}
                onClick={() => pick(i + 1)}
              >
                {num(i + 1)}
              </button>
            ))}
          </div>
        </fieldset>
      )}
    </div>
  );
}
