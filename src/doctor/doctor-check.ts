/** One line of `mpegflow doctor`'s report. */
export interface DoctorCheck {
  name: string;
  ok: boolean;
  detail: string;
}
